import type { LogSearchDeviceState } from '@fleetdesk/api-types';

/**
 * How each device state of a fleet search looks. "No match" (it searched, found nothing) and
 * "offline" (it has not searched yet) must never look alike: one is an answer, one is not.
 */
export const SEARCH_STATE: Record<
  LogSearchDeviceState,
  { label: string; color: string; variant: 'light' | 'outline' | 'filled'; meaning: string }
> = {
  matched: {
    label: 'Matched',
    color: 'green',
    variant: 'filled',
    meaning: 'The device searched and found matching lines',
  },
  no_match: {
    label: 'No match',
    color: 'gray',
    variant: 'light',
    meaning: 'The device searched and found nothing',
  },
  offline: {
    label: 'Offline',
    color: 'orange',
    variant: 'outline',
    meaning: 'The device is offline; it searches when it reconnects (within the offline wait)',
  },
  pending: {
    label: 'Searching',
    color: 'blue',
    variant: 'outline',
    meaning: 'The device is online and has not answered yet',
  },
  failed: {
    label: 'Failed',
    color: 'red',
    variant: 'light',
    meaning: 'The search did not complete on the device (see the reason)',
  },
};

/** Matched first (most matches on top), then failed, pending, offline, no match. */
export const STATE_ORDER: LogSearchDeviceState[] = [
  'matched',
  'failed',
  'pending',
  'offline',
  'no_match',
];
