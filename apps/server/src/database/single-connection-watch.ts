/** The callback form of pg-pool's `connect`, the one TypeORM's driver uses. */
type Release = (error?: Error | boolean) => void;
type ConnectCallback = (error: Error | undefined, client: unknown, release: Release) => void;
interface ConnectablePool {
  connect(callback?: ConnectCallback): unknown;
}

export interface ConnectionWaitReport {
  waitedMs: number;
  /** Where the waiting query was asked for. */
  waiter: string;
  /** Where the query holding the connection was asked for, and how long ago. */
  holder?: { heldMs: number; stack: string };
}

/**
 * The embedded engine has exactly one connection. Code that holds it (a transaction) and then
 * awaits a query made outside that transaction waits forever: the server stops answering and
 * nothing says why. This reports such a wait, with both call sites, every `everyMs` it lasts.
 * It changes no behaviour: the wait goes on, as it would on a pool that ran dry.
 */
export function watchSingleConnection(
  pool: ConnectablePool,
  report: (wait: ConnectionWaitReport) => void,
  everyMs = 15_000,
): void {
  const connect = pool.connect.bind(pool);
  let holder: { since: number; stack: Stack } | undefined;
  pool.connect = (callback?: ConnectCallback) => {
    if (typeof callback !== 'function') return connect(callback);
    const asked = stackHere();
    const started = Date.now();
    const timer = setInterval(() => {
      report({
        waitedMs: Date.now() - started,
        waiter: asked.text(),
        holder: holder && { heldMs: Date.now() - holder.since, stack: holder.stack.text() },
      });
    }, everyMs);
    timer.unref();
    return connect((error, client, release) => {
      clearInterval(timer);
      if (error) return callback(error, client, release);
      const mine = { since: Date.now(), stack: asked };
      holder = mine;
      callback(error, client, (releaseError) => {
        if (holder === mine) holder = undefined;
        release(releaseError);
      });
    });
  };
}

interface Stack {
  text(): string;
}

/**
 * Where the caller is, formatted only if a report needs it: V8 records the frames when the
 * trace is captured; formatting them for every query was 1 % of the embedded server's CPU
 * in the log ingest benchmark (stackHere and prepareStackTrace in its profile).
 */
function stackHere(): Stack {
  const carrier: { stack?: string } = {};
  Error.captureStackTrace(carrier, stackHere);
  return { text: () => (carrier.stack ?? '').split('\n').slice(1).join('\n') };
}
