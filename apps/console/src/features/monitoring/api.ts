import type {
  AcknowledgeAlertsResponse,
  AlertListQuery,
  AlertResponse,
  AlertSummaryResponse,
  ChannelRequest,
  ChannelResponse,
  CreatedChannelResponse,
  DeliveryResponse,
  DeviceAlertCount,
  Page,
  ResolveAlertsResponse,
  WebsiteCheckLocationsResponse,
  WebsiteCheckRequest,
  WebsiteCheckResponse,
  WebsiteCheckResult,
} from '@fleetdesk/api-types';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { del, get, patch, post } from '../../api/client';
import { useOnReconnect, useSocketEvent } from '../../api/socket';

export const monitoringKeys = {
  alerts: ['alerts'] as const,
  alertList: (q: AlertListQuery) => ['alerts', 'list', q] as const,
  summary: ['alerts', 'summary'] as const,
  deviceCounts: (ids: string[]) => ['alerts', 'device-counts', ids] as const,
  checks: ['website-checks'] as const,
  checkList: (page: number) => ['website-checks', 'list', page] as const,
  check: (id: string) => ['website-checks', 'one', id] as const,
  results: (id: string, pageSize: number, location?: string) =>
    ['website-checks', 'results', id, pageSize, location ?? 'all'] as const,
  locations: (id: string) => ['website-checks', 'locations', id] as const,
  channels: ['notification-channels'] as const,
  channelList: (page: number) => ['notification-channels', 'list', page] as const,
  deliveries: (id: string, page: number) =>
    ['notification-channels', 'deliveries', id, page] as const,
};

/** Alert queries refetch when the server says alerts changed, or after a reconnect. */
export function useAlertsLive(): void {
  const client = useQueryClient();
  const refresh = () => void client.invalidateQueries({ queryKey: monitoringKeys.alerts });
  useSocketEvent('alerts.changed', refresh);
  useOnReconnect(refresh);
}

/** The query string the server reads: lists comma-separated. */
function alertQuery(q: AlertListQuery) {
  return {
    page: q.page,
    pageSize: q.pageSize,
    state: q.state?.join(','),
    severity: q.severity?.join(','),
    source: q.source,
    deviceId: q.deviceId,
    checkId: q.checkId,
  };
}

export function useAlerts(q: AlertListQuery) {
  return useQuery({
    queryKey: monitoringKeys.alertList(q),
    queryFn: () => get<Page<AlertResponse>>('/alerts', alertQuery(q)),
    placeholderData: keepPreviousData,
    // Socket events are per server process; a slow poll covers alerts raised on another one.
    refetchInterval: 30_000,
  });
}

export function useAlertSummary() {
  return useQuery({
    queryKey: monitoringKeys.summary,
    queryFn: () => get<AlertSummaryResponse>('/alerts/summary'),
    refetchInterval: 30_000,
  });
}

/** Open alerts of the devices on screen, by device id. */
export function useDeviceAlertCounts(deviceIds: string[]) {
  const ids = [...deviceIds].sort();
  return useQuery({
    queryKey: monitoringKeys.deviceCounts(ids),
    queryFn: async () =>
      new Map(
        (await get<DeviceAlertCount[]>('/alerts/device-counts', { deviceIds: ids.join(',') })).map(
          (c) => [c.deviceId, c],
        ),
      ),
    enabled: ids.length > 0,
    placeholderData: keepPreviousData,
  });
}

function useInvalidating<T, R>(keys: readonly (readonly string[])[], fn: (arg: T) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () =>
      Promise.all(keys.map((queryKey) => client.invalidateQueries({ queryKey }))).then(() => {}),
  });
}

export const useAcknowledgeAlerts = () =>
  useInvalidating([monitoringKeys.alerts], (ids: string[]) =>
    post<AcknowledgeAlertsResponse>('/alerts/acknowledge', { ids }),
  );

export const useResolveAlerts = () =>
  useInvalidating([monitoringKeys.alerts], (ids: string[]) =>
    post<ResolveAlertsResponse>('/alerts/resolve', { ids }),
  );

export const CHECKS_PAGE_SIZE = 25;

export function useWebsiteChecks(page: number) {
  return useQuery({
    queryKey: monitoringKeys.checkList(page),
    queryFn: () =>
      get<Page<WebsiteCheckResponse>>('/website-checks', { page, pageSize: CHECKS_PAGE_SIZE }),
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });
}

export function useWebsiteCheck(id: string) {
  return useQuery({
    queryKey: monitoringKeys.check(id),
    queryFn: () => get<WebsiteCheckResponse>(`/website-checks/${id}`),
  });
}

const pollMs = (intervalSeconds: number | undefined) =>
  Math.max(5, Math.min(intervalSeconds ?? 60, 60)) * 1000;

/**
 * The latest results, newest first, refreshed as the check runs: of one location (`server` or
 * a device id), or of all when none is given.
 */
export function useCheckResults(
  id: string,
  pageSize: number,
  intervalSeconds: number | undefined,
  location?: string,
) {
  return useQuery({
    queryKey: monitoringKeys.results(id, pageSize, location),
    queryFn: () =>
      get<Page<WebsiteCheckResult>>(`/website-checks/${id}/results`, {
        page: 1,
        pageSize,
        location,
      }),
    refetchInterval: pollMs(intervalSeconds),
  });
}

/** Where the check runs from (the server, its devices), each with its latest result. */
export function useCheckLocations(id: string, intervalSeconds: number | undefined, enabled = true) {
  return useQuery({
    queryKey: monitoringKeys.locations(id),
    queryFn: () => get<WebsiteCheckLocationsResponse>(`/website-checks/${id}/locations`),
    refetchInterval: pollMs(intervalSeconds),
    enabled,
  });
}

export const useSaveWebsiteCheck = () =>
  useInvalidating(
    [monitoringKeys.checks],
    ({ id, body }: { id: string | null; body: WebsiteCheckRequest }) =>
      id
        ? patch<WebsiteCheckResponse>(`/website-checks/${id}`, body)
        : post<WebsiteCheckResponse>('/website-checks', body),
  );

export const useDeleteWebsiteCheck = () =>
  useInvalidating([monitoringKeys.checks, monitoringKeys.alerts], (id: string) =>
    del(`/website-checks/${id}`),
  );

export const CHANNELS_PAGE_SIZE = 25;

export function useChannels(page: number) {
  return useQuery({
    queryKey: monitoringKeys.channelList(page),
    queryFn: () =>
      get<Page<ChannelResponse>>('/notification-channels', {
        page,
        pageSize: CHANNELS_PAGE_SIZE,
      }),
    placeholderData: keepPreviousData,
  });
}

export function useDeliveries(id: string, page: number) {
  return useQuery({
    queryKey: monitoringKeys.deliveries(id, page),
    queryFn: () =>
      get<Page<DeliveryResponse>>(`/notification-channels/${id}/deliveries`, {
        page,
        pageSize: 10,
      }),
    placeholderData: keepPreviousData,
    // Retries are scheduled with backoff: show them land.
    refetchInterval: 10_000,
  });
}

export const useSaveChannel = () =>
  useInvalidating(
    [monitoringKeys.channels],
    ({ id, body }: { id: string | null; body: ChannelRequest }) =>
      id
        ? patch<ChannelResponse>(`/notification-channels/${id}`, body)
        : post<CreatedChannelResponse>('/notification-channels', body),
  );

export const useDeleteChannel = () =>
  useInvalidating([monitoringKeys.channels], (id: string) => del(`/notification-channels/${id}`));

export const useTestChannel = () =>
  useInvalidating([monitoringKeys.channels], (id: string) =>
    post<DeliveryResponse>(`/notification-channels/${id}/test`),
  );
