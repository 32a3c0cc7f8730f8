import type {
  CreatePolicyRequest,
  DevicePolicy,
  Page,
  PolicyResponse,
  UpdatePolicyRequest,
} from '@fleetdesk/api-types';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { del, get, patch, post } from '../../api/client';

export const policyKeys = {
  all: ['policies'] as const,
  list: (page: number) => ['policies', 'list', page] as const,
  device: (deviceId: string) => ['policies', 'device', deviceId] as const,
};

export const PAGE_SIZE = 25;

export function usePolicies(page: number) {
  return useQuery({
    queryKey: policyKeys.list(page),
    queryFn: () => get<Page<PolicyResponse>>('/policies', { page, pageSize: PAGE_SIZE }),
    placeholderData: (previous) => previous,
  });
}

/** The policies that apply to a device, each with the groups and tags it matched by. */
export function useDevicePolicies(deviceId: string) {
  return useQuery({
    queryKey: policyKeys.device(deviceId),
    queryFn: () => get<DevicePolicy[]>(`/devices/${deviceId}/policies`),
  });
}

function usePolicyMutation<T>(fn: (arg: T) => Promise<unknown>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => client.invalidateQueries({ queryKey: policyKeys.all }),
  });
}

export const useSavePolicy = () =>
  usePolicyMutation(({ id, body }: { id: string | null; body: CreatePolicyRequest }) =>
    id
      ? patch<PolicyResponse>(`/policies/${id}`, body satisfies UpdatePolicyRequest)
      : post<PolicyResponse>('/policies', body),
  );

export const useDeletePolicy = () => usePolicyMutation((id: string) => del(`/policies/${id}`));
