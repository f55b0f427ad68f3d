/**
 * What the demo uses from the library: its public API, nothing internal.
 */
export * from '../src/index.js';
