import { closeLeftovers } from './leftovers';

// A root-level hook: it runs after the afterAll hooks inside the file's describe blocks, and is
// a no-op when the file cleaned up after itself.
afterAll(async () => {
  const closed = await closeLeftovers();
  if (closed.length > 0) {
    console.warn(`${expect.getState().testPath ?? 'a test file'} left open: ${closed.join(', ')}`);
  }
}, 60_000);
