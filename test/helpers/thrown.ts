/** What `fn` throws (it must throw, and an Error): for asserting on a synchronous failure's class and fields. */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`expected an Error to be thrown, got ${String(error)}`);
  }
  throw new Error('expected a throw');
}
