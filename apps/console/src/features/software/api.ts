import type {
  CreateSoftwareTitleRequest,
  DevicePatchStatus,
  JobResponse,
  JobTarget,
  PatchCompliancePage,
  PatchComplianceQuery,
  SoftwareDevicesPage,
  SoftwareDevicesQuery,
  SoftwareInstallerResponse,
  SoftwareNamesResponse,
  SoftwareTitleResponse,
} from '@fleetdesk/api-types';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { get, post, upload, withQuery } from '../../api/client';
import { jobKeys } from '../jobs/api';

type Query = Record<string, string | number | boolean | undefined>;

export const softwareKeys = {
  titles: ['software', 'titles'] as const,
  installers: ['software', 'installers'] as const,
  devices: (q: SoftwareDevicesQuery) => ['software-inventory', 'devices', q] as const,
  names: (prefix: string) => ['software-inventory', 'names', prefix] as const,
  patches: (q: PatchComplianceQuery) => ['patch-compliance', q] as const,
  devicePatches: (id: string) => ['patch-compliance', 'device', id] as const,
};

export const useTitles = () =>
  useQuery({
    queryKey: softwareKeys.titles,
    queryFn: () => get<SoftwareTitleResponse[]>('/software/titles'),
  });

export const useInstallers = () =>
  useQuery({
    queryKey: softwareKeys.installers,
    queryFn: () => get<SoftwareInstallerResponse[]>('/software/installers'),
  });

export type TitleRequest = CreateSoftwareTitleRequest;

/** The file's bytes as the body (the server streams them to disk and hashes them). */
export function uploadInstaller(
  file: File,
  silentArgs: string[],
): Promise<SoftwareInstallerResponse> {
  return upload<SoftwareInstallerResponse>(
    '/software/installers',
    { fileName: file.name, silentArgs },
    file,
  );
}

export const fetchSoftwareDevices = (q: SoftwareDevicesQuery) =>
  get<SoftwareDevicesPage>('/software-inventory/devices', q as unknown as Query);

export const fetchSoftwareNames = (prefix: string) =>
  get<SoftwareNamesResponse>('/software-inventory/names', { prefix });

/** The CSV export, a plain link: the browser downloads it with the session cookie. */
export const softwareCsvUrl = (q: Omit<SoftwareDevicesQuery, 'page' | 'pageSize'>) =>
  withQuery('/api/software-inventory/devices.csv', q);

export const fetchPatchCompliance = (q: PatchComplianceQuery) =>
  get<PatchCompliancePage>('/patch-compliance', q as unknown as Query);

export const fetchDevicePatches = (id: string) =>
  get<DevicePatchStatus>(`/patch-compliance/devices/${encodeURIComponent(id)}`);

/**
 * `POST /api/jobs` with the software action (server side: the software deployment feature).
 * Declared here until that feature's request type lands in libs/api-types.
 */
export interface ApplyUpdatesRequest {
  target: Pick<JobTarget, 'deviceIds'>;
  software: { operation: 'apply_updates'; securityOnly: boolean };
}

export function useApplyUpdates() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ deviceId, securityOnly }: { deviceId: string; securityOnly: boolean }) =>
      post<JobResponse>('/jobs', {
        target: { deviceIds: [deviceId] },
        software: { operation: 'apply_updates', securityOnly },
      } satisfies ApplyUpdatesRequest),
    onSuccess: () => client.invalidateQueries({ queryKey: jobKeys.all }),
  });
}
