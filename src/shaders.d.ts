// WGSL files are imported as text (`?raw`), by Vite in the browser build and by Vitest in tests.
declare module '*.wgsl?raw' {
  const source: string;
  export default source;
}
