import type {
  CreateScheduleRequest,
  Page,
  ScheduleHistoryItem,
  SchedulePreviewResponse,
  ScheduleResponse,
  ScheduleZoneMode,
} from '@fleetdesk/api-types';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { del, get, post } from '../../api/client';

export const scheduleKeys = {
  all: ['schedules'] as const,
  list: (page: number, pageSize: number) => ['schedules', 'list', page, pageSize] as const,
  history: (id: string, page: number) => ['schedules', 'history', id, page] as const,
  preview: (when: PreviewWhen) => ['schedules', 'preview', when] as const,
};

export const PAGE_SIZE = 25;

export function useSchedules(page: number, pageSize: number = PAGE_SIZE) {
  return useQuery({
    queryKey: scheduleKeys.list(page, pageSize),
    queryFn: () => get<Page<ScheduleResponse>>('/schedules', { page, pageSize }),
    placeholderData: (previous) => previous,
  });
}

export function useScheduleHistory(id: string, page: number) {
  return useQuery({
    queryKey: scheduleKeys.history(id, page),
    queryFn: () =>
      get<Page<ScheduleHistoryItem>>(`/schedules/${id}/history`, { page, pageSize: 20 }),
    placeholderData: (previous) => previous,
  });
}

export interface PreviewWhen {
  cron?: string;
  runAt?: string;
  zoneMode: ScheduleZoneMode;
  timeZone: string;
}

/** The next occurrences of a timing as the form stands (the server's own computation). */
export function usePreview(when: PreviewWhen | null) {
  return useQuery({
    queryKey: scheduleKeys.preview(when ?? { zoneMode: 'fixed', timeZone: 'UTC' }),
    queryFn: () => post<SchedulePreviewResponse>('/schedules/preview', { ...when, count: 5 }),
    enabled: when !== null,
    retry: false,
  });
}

function useScheduleMutation<T>(fn: (arg: T) => Promise<unknown>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => client.invalidateQueries({ queryKey: scheduleKeys.all }),
  });
}

export const useCreateSchedule = () =>
  useScheduleMutation((body: CreateScheduleRequest) => post<ScheduleResponse>('/schedules', body));

export const useSetPaused = () =>
  useScheduleMutation(({ id, paused }: { id: string; paused: boolean }) =>
    post<ScheduleResponse>(`/schedules/${id}/${paused ? 'pause' : 'resume'}`),
  );

export const useDeleteSchedule = () => useScheduleMutation((id: string) => del(`/schedules/${id}`));
