/**
 * The agent <-> server wire protocol: one source of truth for both sides.
 * Filled in by the agent issue; the version constant is here so both sides can pin it now.
 */
export const PROTOCOL_VERSION = 1;
