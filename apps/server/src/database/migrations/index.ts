import { Foundation1764000000000 } from './1764000000000-foundation';
import { Devices1764100000000 } from './1764100000000-devices';

/** Listed explicitly so the bundle and the tests load exactly the same set, in order. */
export const MIGRATIONS = [Foundation1764000000000, Devices1764100000000];
