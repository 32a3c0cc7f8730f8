/**
 * What a test file opened and has not closed yet: processes, servers, databases. A file whose
 * beforeAll throws half way, or whose afterAll stops at its first failing step, would leave
 * them behind (a database on the shared PostgreSQL, a server process holding a port). The
 * setup file `close-leftovers.ts` closes whatever is still here after every test file, and
 * the global teardown (scripts/jest-global-teardown.js) drops this run's databases even when
 * a worker died. Kept free of heavy imports: every test file loads it.
 */
type Closer = () => unknown;

/** Lower closes first: processes before the servers they talk to, servers before databases. */
export const CLOSE_ORDER = { process: 0, server: 1, database: 2 } as const;

const open = new Map<object, { order: number; what: string; close: Closer }>();

export function track(
  owner: object,
  kind: keyof typeof CLOSE_ORDER,
  what: string,
  close: Closer,
): void {
  open.set(owner, { order: CLOSE_ORDER[kind], what, close });
}

export function untrack(owner: object): void {
  open.delete(owner);
}

/** Closes everything still open, each step independent of the others; returns what it closed. */
export async function closeLeftovers(): Promise<string[]> {
  const entries = [...open.entries()].sort(([, a], [, b]) => a.order - b.order);
  open.clear();
  const closed: string[] = [];
  for (const [, entry] of entries) {
    try {
      await entry.close();
      closed.push(entry.what);
    } catch (error) {
      closed.push(`${entry.what} (failed: ${String(error)})`);
    }
  }
  return closed;
}

/** Names this run's PostgreSQL test databases so the global teardown can find every one. */
export function testRunId(): string {
  const id = process.env.FLEETDESK_TEST_RUN;
  if (!id || !/^[a-z0-9]{1,24}$/.test(id)) {
    throw new Error(
      'FLEETDESK_TEST_RUN is missing or malformed; run tests through jest with the root jest.config.js (its globalSetup sets it)',
    );
  }
  return id;
}
