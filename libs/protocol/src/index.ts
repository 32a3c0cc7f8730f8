/**
 * The agent <-> server wire protocol: one source of truth for both sides.
 * Design notes: ARCHITECTURE.md, section "Agent <-> server protocol".
 */
export * from './errors';
export * from './validate';
export * from './messages';
export * from './envelope';
export * from './crypto';
export * from './logs';
export * from './log-chunk-frame';
export * from './transfers';
export * from './files';
export * from './tar';
export * from './search';
export * from './follow';
export * from './line-matcher';
export * from './line-time';
export * from './http-probe';
export * from './web-checks';
