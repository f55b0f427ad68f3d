/**
 * The PNG/JPEG header checks live in src/image/image_header.ts (the library
 * decodes with them too); the CLI's tests and code import them from here.
 */
export { checkPixelLimit, isJpeg, isPng, jpegHeader, pngHeader, pngInflatedBytes, type JpegHeader, type PngHeader } from '../image/image_header.js';
export { checkPngComplete } from '../image/decode_node.js';
