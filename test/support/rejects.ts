/** Awaiting a promise that a test expects to reject. */

/** Awaits a promise expected to reject; returns the reason (fails the test if it resolves). */
export async function rejects(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the promise to reject, it resolved");
}
