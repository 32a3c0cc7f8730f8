import type {
  Page,
  ScriptListQuery,
  ScriptResponse,
  ScriptSummaryResponse,
  ScriptVersionResponse,
} from '@fleetdesk/api-types';
import { useQuery } from '@tanstack/react-query';
import { get } from '../../api/client';

export const scriptKeys = {
  all: ['scripts'] as const,
  list: (q: ScriptListQuery) => ['scripts', 'list', q] as const,
  detail: (id: string) => ['scripts', 'detail', id] as const,
  version: (id: string, version: number) => ['scripts', 'version', id, version] as const,
};

export function useScripts(q: ScriptListQuery, enabled = true) {
  return useQuery({
    queryKey: scriptKeys.list(q),
    queryFn: () => get<Page<ScriptSummaryResponse>>('/scripts', { ...q }),
    placeholderData: (previous) => previous,
    enabled,
  });
}

export function useScript(id: string | null | undefined) {
  return useQuery({
    queryKey: scriptKeys.detail(id ?? ''),
    queryFn: () => get<ScriptResponse>(`/scripts/${id}`),
    enabled: Boolean(id),
  });
}

export function useScriptVersion(id: string, version: number | null) {
  return useQuery({
    queryKey: scriptKeys.version(id, version ?? 0),
    queryFn: () => get<ScriptVersionResponse>(`/scripts/${id}/versions/${version}`),
    enabled: version !== null,
    // Versions never change once written.
    staleTime: Infinity,
  });
}
