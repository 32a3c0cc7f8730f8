/**
 * Calls `task` for every item, at most `concurrency` at once, and reports progress. The API
 * has no bulk routes, so a selection of hundreds becomes hundreds of requests; this keeps the
 * server and the browser's connection pool from being swamped. Never throws: failures are
 * collected so the technician learns which devices were not changed and why.
 */
export async function forEachLimited<T>(
  items: readonly T[],
  task: (item: T) => Promise<void>,
  onProgress: (done: number) => void,
  concurrency = 6,
): Promise<{ item: T; error: unknown }[]> {
  const failures: { item: T; error: unknown }[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await task(item);
      } catch (error) {
        failures.push({ item, error });
      }
      done += 1;
      onProgress(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return failures;
}
