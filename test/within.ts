/**
 * The one promise-with-deadline of the suites. `vi.waitFor` and `expect.poll` wait for a check
 * that can be run again; a `connect()` or a signal's completion is one promise that must settle
 * once, and a hang must fail saying what was awaited, not time out the whole test.
 */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs = 20_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
