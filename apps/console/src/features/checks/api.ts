import type {
  AgentCheckRequest,
  AgentCheckResponse,
  AgentCheckStateResponse,
  DeviceResponse,
  Page,
} from '@fleetdesk/api-types';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { del, get, patch, post } from '../../api/client';
import { monitoringKeys } from '../monitoring/api';
import { policyKeys } from '../policies/api';

export const checkKeys = {
  all: ['agent-checks'] as const,
  list: (page: number, pageSize: number) => ['agent-checks', 'list', page, pageSize] as const,
  one: (id: string) => ['agent-checks', 'one', id] as const,
  states: (id: string, page: number) => ['agent-checks', 'states', id, page] as const,
  deviceStates: (deviceId: string, page: number) =>
    ['agent-checks', 'device-states', deviceId, page] as const,
  deviceNames: (ids: string[]) => ['agent-checks', 'device-names', ids] as const,
};

export const CHECKS_PAGE_SIZE = 25;
export const STATES_PAGE_SIZE = 50;
/** States arrive with each agent's summary; a modest poll keeps the views current. */
const STATE_POLL_MS = 15_000;

export function useAgentChecks(page: number, pageSize = CHECKS_PAGE_SIZE) {
  return useQuery({
    queryKey: checkKeys.list(page, pageSize),
    queryFn: () => get<Page<AgentCheckResponse>>('/agent-checks', { page, pageSize }),
    placeholderData: keepPreviousData,
  });
}

export function useAgentCheck(id: string) {
  return useQuery({
    queryKey: checkKeys.one(id),
    queryFn: () => get<AgentCheckResponse>(`/agent-checks/${id}`),
  });
}

/** The check's last state on each device it runs on, unhealthy first. */
export function useCheckStates(id: string, page: number) {
  return useQuery({
    queryKey: checkKeys.states(id, page),
    queryFn: () =>
      get<Page<AgentCheckStateResponse>>(`/agent-checks/${id}/states`, {
        page,
        pageSize: STATES_PAGE_SIZE,
      }),
    placeholderData: keepPreviousData,
    refetchInterval: STATE_POLL_MS,
  });
}

/** Every check's last state on one device. */
export function useDeviceCheckStates(deviceId: string, page: number) {
  return useQuery({
    queryKey: checkKeys.deviceStates(deviceId, page),
    queryFn: () =>
      get<Page<AgentCheckStateResponse>>(`/devices/${deviceId}/check-states`, {
        page,
        pageSize: STATES_PAGE_SIZE,
      }),
    placeholderData: keepPreviousData,
    refetchInterval: STATE_POLL_MS,
  });
}

/** Labels for devices a check names (the form shows them as chips); a gone device keeps its id. */
export function useDeviceNames(ids: string[]) {
  return useQuery({
    queryKey: checkKeys.deviceNames(ids),
    queryFn: async () => {
      const found = await Promise.all(
        ids.map((id) => get<DeviceResponse>(`/devices/${id}`).catch(() => null)),
      );
      return new Map(found.flatMap((d) => (d ? [[d.id, d] as const] : [])));
    },
    enabled: ids.length > 0,
    staleTime: Infinity,
  });
}

function useChecksMutation<T, R>(fn: (arg: T) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: checkKeys.all }),
        // A deleted or disabled check resolves its alerts; a policy lists checks by name.
        client.invalidateQueries({ queryKey: monitoringKeys.alerts }),
        client.invalidateQueries({ queryKey: policyKeys.all }),
      ]).then(() => {}),
  });
}

export const useSaveAgentCheck = () =>
  useChecksMutation(({ id, body }: { id: string | null; body: AgentCheckRequest }) => {
    if (!id) return post<AgentCheckResponse>('/agent-checks', body);
    // A check's kind is what it is: the server refuses it in a change.
    const { kind: _kind, ...change } = body;
    return patch<AgentCheckResponse>(`/agent-checks/${id}`, change);
  });

export const useDeleteAgentCheck = () =>
  useChecksMutation((id: string) => del(`/agent-checks/${id}`));
