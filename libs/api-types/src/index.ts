/**
 * The JSON the REST API returns and accepts, and the console socket.io events: one source of
 * truth for the server and the web console. Types only, so browsers import it with
 * `import type`. Times are ISO 8601 strings, as they are on the wire.
 */
export type * from './common';
export type * from './users';
export type * from './auth';
export type * from './devices';
export type * from './enrollment';
export type * from './scripts';
export type * from './jobs';
export type * from './audit';
export type * from './console-events';
export * from './job-outcome';
export * from './wire';
export * from './exhaustive-list';
export * from './states';
export * from './roles';
export * from './tags';
export * from './paging';
export * from './script-rules';
export * from './limits';
