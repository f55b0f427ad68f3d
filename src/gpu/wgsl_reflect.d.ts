// wgsl_reflect's `main` is a CommonJS file inside a `"type": "module"` package,
// which Node cannot import; its ES module build is imported by path instead.
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect';
}
