/** Reported to the server at enrollment and on every connect. */
export const AGENT_VERSION = '0.1.0';
