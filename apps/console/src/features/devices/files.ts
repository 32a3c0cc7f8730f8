import { isOpenRunState, type RunState } from '@fleetdesk/api-types';
import type {
  DeviceFilesResponse,
  FetchFileRequest,
  FileTransferResponse,
  FileTransferRunResponse,
  FileUploadResponse,
  JobResponse,
  LogBundleResponse,
  LogCollectionSettings,
  PushFileRequest,
} from '@fleetdesk/api-types';
import { useMutation, useQuery } from '@tanstack/react-query';
import { get, post, upload } from '../../api/client';

/**
 * The file browser's calls: the live listing (GET /api/devices/:id/files), and downloads and
 * uploads as file transfers (fetch_file / push_file jobs), whose fetched copy is a bundle.
 */
export const isFinalRun = (status: RunState): boolean => !isOpenRunState(status);

export const fileKeys = {
  listing: (deviceId: string, path: string) => ['devices', 'files', deviceId, path] as const,
  settings: ['log-collections', 'settings'] as const,
  download: (jobId: string) => ['file-transfers', jobId] as const,
};

export const useFolder = (deviceId: string, path: string | null) =>
  useQuery({
    queryKey: fileKeys.listing(deviceId, path ?? ''),
    queryFn: () => get<DeviceFilesResponse>(`/devices/${deviceId}/files`, { path }),
    enabled: path !== null,
    // A listing is a live look at the device: asked again only when the technician asks.
    staleTime: Infinity,
    retry: false,
  });

/** The admin's path lists, for where browsing can start. */
export const usePathLists = () =>
  useQuery({
    queryKey: fileKeys.settings,
    queryFn: () => get<LogCollectionSettings>('/log-collections/settings'),
  });

export const useFetchFile = () =>
  useMutation({
    mutationFn: (req: FetchFileRequest) => post<JobResponse>('/file-transfers/fetch', req),
  });

export interface DownloadState {
  run: FileTransferRunResponse | null;
  bundle: LogBundleResponse | null;
  /** Stored and complete: the copy can be saved. */
  ready: boolean;
  /** Ended without a copy: the reason. */
  failed: string | null;
}

/** Where a download job stands: the device's run, then its uploaded copy, polled until final. */
export const useDownload = (jobId: string) =>
  useQuery({
    queryKey: fileKeys.download(jobId),
    queryFn: async (): Promise<DownloadState> => {
      const transfer = await get<FileTransferResponse>(`/file-transfers/${jobId}`);
      const run = transfer.runs[0] ?? null;
      const bundle = run?.bundleId
        ? await get<LogBundleResponse>(`/log-bundles/${run.bundleId}`)
        : null;
      const failed =
        bundle?.status === 'failed'
          ? (bundle.error ?? 'the upload failed')
          : run && isFinalRun(run.status) && run.status !== 'succeeded'
            ? (run.error ?? run.status)
            : null;
      return { run, bundle, ready: bundle?.status === 'complete', failed };
    },
    refetchInterval: (q) => (q.state.data?.ready || q.state.data?.failed ? false : 1000),
  });

/** The stored copy, a plain link: the browser downloads it with the session cookie. */
export const bundleFileUrl = (bundleId: string) => `/api/log-bundles/${bundleId}/files/0`;

/** Uploads the file's bytes (the server hashes and stores them), then pushes them to the path. */
export async function uploadAndPush(
  file: File,
  req: Omit<PushFileRequest, 'uploadId'>,
): Promise<JobResponse> {
  const uploaded = await upload<FileUploadResponse>(
    '/file-transfers/uploads',
    { name: file.name },
    file,
  );
  return post<JobResponse>('/file-transfers/push', { ...req, uploadId: uploaded.id });
}

/** A push job's one run, polled until it ends. */
export const usePushRun = (jobId: string | null) =>
  useQuery({
    queryKey: fileKeys.download(jobId ?? ''),
    queryFn: async () =>
      (await get<FileTransferResponse>(`/file-transfers/${jobId}`)).runs[0] ?? null,
    enabled: jobId !== null,
    refetchInterval: (q) => (q.state.data && isFinalRun(q.state.data.status) ? false : 1000),
  });
