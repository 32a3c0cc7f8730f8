/**
 * The contract between the server, the web console and (for the agent's reports) the agent
 * protocol: the JSON the REST API returns and accepts, the console socket.io events, and the
 * lists, limits and pure rules both sides apply. Browser-safe (no Node); times are ISO 8601
 * strings, as they are on the wire. A rule is written here once and imported, never copied.
 */
export type * from './common';
export type * from './users';
export type * from './auth';
export type * from './devices';
export type * from './enrollment';
export type * from './scripts';
export type * from './jobs';
export * from './schedules';
export type * from './audit';
export type * from './console-events';
export type * from './agent-updates';
export * from './agent-downloads';
export * from './job-outcome';
export * from './wire';
export * from './exhaustive-list';
export * from './states';
export * from './roles';
export * from './tags';
export * from './paging';
export * from './script-rules';
export * from './limits';
export * from './disk-usage';
export * from './packages';
export * from './agent-versions';
export * from './maintenance-windows';
export * from './monitoring';
export * from './agent-checks';
export * from './metrics-history';
export * from './software-versions';
export * from './software-inventory';
export * from './patch-compliance';
export * from './software';
export * from './log-collections';
export * from './policies';
export * from './file-transfers';
export * from './log-searches';
export * from './log-follow';
export * from './log-source-rules';
export * from './device-files';
export * from './paths';
