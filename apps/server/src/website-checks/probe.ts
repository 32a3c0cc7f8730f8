// The probe is shared with the agent, which runs the same check from chosen devices.
export {
  checkUrlScheme,
  HTTP_PROBE_MAX_BODY_BYTES as MAX_BODY_BYTES,
  httpProbe as probe,
  type HttpProbeResult as ProbeResult,
  type HttpProbeSpec as ProbeSpec,
} from '@fleetdesk/protocol';
