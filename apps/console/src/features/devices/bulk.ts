import type { BulkActionResponse } from '@fleetdesk/api-types';
import { post } from '../../api/client';

export type BulkAction = 'tag' | 'untag' | 'group' | 'revoke' | 'delete';

/**
 * Applies one action to a selection of devices with one request to the server's bulk route,
 * which runs it in one transaction: every device changes or none does. Never throws: on a
 * failure every device is reported with the reason, so the dialogs list what was not changed.
 */
export async function bulkDevices<T extends { id: string }>(
  action: BulkAction,
  items: readonly T[],
  body: Record<string, unknown>,
  onProgress: (done: number) => void,
): Promise<{ item: T; error: unknown }[]> {
  if (items.length === 0) return [];
  try {
    await post<BulkActionResponse>(`/devices/bulk/${action}`, {
      ...body,
      target: { deviceIds: items.map((d) => d.id) },
    });
    onProgress(items.length);
    return [];
  } catch (error) {
    return items.map((item) => ({ item, error }));
  }
}
