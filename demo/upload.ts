/**
 * Pictures the user uploads: decoded by the browser, and a file that is not
 * a picture is an InputError that says so (never a GPU failure), shown
 * beside the upload button.
 */
import { byId, messageOf } from './dom.js';
import { InputError } from './lib.js';

/** Decodes an uploaded picture; a file the browser cannot decode is an InputError naming it. */
export async function imageFromFile(file: File): Promise<ImageBitmap> {
  if (file.type && !file.type.startsWith('image/')) {
    throw new InputError(file.name, `this is not an image (${file.type}): choose a PNG, JPEG, WebP or GIF picture`);
  }
  try {
    return await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch (cause) {
    throw new InputError(file.name, `this is not an image this browser can decode (${messageOf(cause)}): choose a PNG, JPEG, WebP or GIF picture`);
  }
}

/** Shows (or, with no error, clears) an upload's problem in the line `id`; [data-error] holds the error's name. */
export function uploadProblem(id: string, error: InputError | undefined): void {
  const line = byId(id);
  line.textContent = error ? `“${error.input}” is not a picture this browser can read. Choose a PNG, JPEG, WebP or GIF image.` : '';
  line.title = error?.message ?? '';
  if (error) line.dataset.error = error.name;
  else delete line.dataset.error;
}

/**
 * The file just chosen in a file input, which is then emptied: choosing the
 * same file again (a picture for the next model) fires `change` again.
 */
export function takeFile(event: Event): File | undefined {
  const input = event.target as HTMLInputElement;
  const file = input.files?.[0];
  input.value = '';
  return file;
}
