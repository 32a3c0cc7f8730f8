import type {
  CreateLogCollectionRequest,
  CreateLogSearchRequest,
  JobResponse,
  LogBundleResponse,
  LogSearchResponse,
  SearchBundlesRequest,
  SearchBundlesResponse,
} from '@fleetdesk/api-types';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { get, post, withQuery } from '../../api/client';
import { jobKeys } from '../jobs/api';

export const logKeys = {
  all: ['logs'] as const,
  bundles: (q: BundleFilter) => ['logs', 'bundles', q] as const,
  bundle: (id: string) => ['logs', 'bundle', id] as const,
  search: (jobId: string) => ['logs', 'search', jobId] as const,
};

export interface BundleFilter {
  jobId?: string;
  deviceId?: string;
}

/**
 * Bundles, newest first; polled while one is still uploading (its progress moves), and while
 * a collection's page has none yet (devices upload after their run ends).
 */
export function useBundles(q: BundleFilter) {
  return useQuery({
    queryKey: logKeys.bundles(q),
    queryFn: () => get<LogBundleResponse[]>('/log-bundles', { ...q }),
    refetchInterval: (query) => {
      const data = query.state.data;
      if (data?.some((b) => b.status === 'uploading')) return 3000;
      return q.jobId && data?.length === 0 ? 3000 : false;
    },
  });
}

export function useBundle(id: string) {
  return useQuery({
    queryKey: logKeys.bundle(id),
    queryFn: () => get<LogBundleResponse>(`/log-bundles/${encodeURIComponent(id)}`),
    refetchInterval: (query) => (query.state.data?.status === 'uploading' ? 3000 : false),
  });
}

/** Downloads are plain links: the browser streams them to disk with the session cookie. */
export const fileUrl = (bundleId: string, index: number) =>
  `/api/log-bundles/${encodeURIComponent(bundleId)}/files/${index}`;
export const archiveUrl = (bundleId: string) =>
  `/api/log-bundles/${encodeURIComponent(bundleId)}/archive`;
export const archivesUrl = (bundleIds: string[]) =>
  withQuery('/api/log-bundles/archive', { ids: bundleIds.join(',') });

export function useCollectLogs() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateLogCollectionRequest) => post<JobResponse>('/log-collections', body),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: jobKeys.lists });
      void client.invalidateQueries({ queryKey: logKeys.all });
    },
  });
}

export function useStartSearch() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateLogSearchRequest) => post<JobResponse>('/log-searches', body),
    onSuccess: () => void client.invalidateQueries({ queryKey: jobKeys.lists }),
  });
}

/**
 * A fleet search's results by device. The page refetches on the job's run events; this poll
 * is the safety net for what no run event announces (an offline device coming back online).
 */
export function useLogSearch(jobId: string) {
  return useQuery({
    queryKey: logKeys.search(jobId),
    queryFn: () => get<LogSearchResponse>(`/log-searches/${encodeURIComponent(jobId)}`),
    refetchInterval: (query) => {
      const c = query.state.data?.counts;
      return !c || c.pending + c.offline > 0 ? 5000 : false;
    },
  });
}

export function useSearchBundles() {
  return useMutation({
    mutationFn: (body: SearchBundlesRequest) =>
      post<SearchBundlesResponse>('/log-searches/bundles', body),
  });
}
