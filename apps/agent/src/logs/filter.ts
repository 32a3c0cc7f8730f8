// The matcher moved to libs/protocol: the server runs the same one over stored bundles.
export {
  checkPattern,
  FilterTimeout,
  type LineMatcher,
  lineMatcher,
  matchAll,
} from '@fleetdesk/protocol';
