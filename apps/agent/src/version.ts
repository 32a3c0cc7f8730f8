// Set by apps/agent/build.mjs (FLEETDESK_AGENT_VERSION may override the default below);
// undefined when the sources run unbundled, as in unit tests.
declare const __FLEETDESK_AGENT_VERSION__: string | undefined;

/** The version a build reports unless FLEETDESK_AGENT_VERSION says otherwise. */
export const DEFAULT_AGENT_VERSION = '0.1.0';

/** Reported to the server at enrollment and on every connect. */
export const AGENT_VERSION =
  typeof __FLEETDESK_AGENT_VERSION__ === 'string'
    ? __FLEETDESK_AGENT_VERSION__
    : DEFAULT_AGENT_VERSION;
