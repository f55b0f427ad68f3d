/** Tiny DOM helpers shared by the demo modules. */

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`demo page lacks #${id}`);
  return element as T;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

export function show(element: HTMLElement, visible: boolean): void {
  element.classList.toggle('hidden', !visible);
}

/**
 * An error's message, for the screens. Only DOMExceptions keep their name
 * (NotAllowedError, OperationError, …): minified builds rename our classes.
 */
export function messageOf(error: unknown): string {
  if (typeof DOMException !== 'undefined' && error instanceof DOMException) return `${error.name}: ${error.message}`;
  const text = error instanceof Error ? error.message : String(error);
  return /[.!?)]$/.test(text) ? text : `${text}.`;
}
