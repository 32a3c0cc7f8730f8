import type {
  CreateSoftwareTitleRequest,
  SoftwareInstallerResponse,
  SoftwareTitleResponse,
} from '@fleetdesk/api-types';
import { useQuery } from '@tanstack/react-query';
import { ApiError, describeFailure, get, withQuery } from '../../api/client';

export const softwareKeys = {
  titles: ['software', 'titles'] as const,
  installers: ['software', 'installers'] as const,
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
export async function uploadInstaller(
  file: File,
  silentArgs: string[],
): Promise<SoftwareInstallerResponse> {
  let response: Response;
  try {
    response = await fetch(
      withQuery('/api/software/installers', { fileName: file.name, silentArgs }),
      {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/octet-stream' },
        body: file,
      },
    );
  } catch {
    throw new ApiError(0, 'NETWORK', 'Cannot reach the Fleetdesk server. Check your network.');
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) throw describeFailure(response.status, body);
  return body as SoftwareInstallerResponse;
}
