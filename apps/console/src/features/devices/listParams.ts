import {
  DEVICE_SORTS,
  DEVICE_STATUSES,
  type DeviceListQuery,
  type DeviceSort,
  type DeviceStatus,
  PAGE_SIZE_CHOICES,
  PAGE_SIZE_DEFAULT,
  type SortOrder,
} from '@fleetdesk/api-types';
import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';

export const PAGE_SIZES = PAGE_SIZE_CHOICES;
const DEFAULT_PAGE_SIZE = PAGE_SIZE_DEFAULT;

/** What the URL may say, narrowed to what the server accepts (a hand-edited URL must not 400). */
export interface DeviceListParams {
  q: string;
  status: DeviceStatus | null;
  os: string | null;
  tag: string | null;
  groupId: string | null;
  sort: DeviceSort;
  order: SortOrder;
  page: number;
  pageSize: number;
}

function pick<T extends string>(value: string | null, allowed: readonly T[]): T | null {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : null;
}

function positiveInt(value: string | null): number | null {
  if (value === null || !/^\d{1,6}$/.test(value)) return null;
  const n = Number(value);
  return n >= 1 ? n : null;
}

export function parseListParams(sp: URLSearchParams): DeviceListParams {
  const size = positiveInt(sp.get('pageSize'));
  return {
    q: (sp.get('q') ?? '').slice(0, 100),
    status: pick(sp.get('status'), DEVICE_STATUSES),
    os: sp.get('os')?.slice(0, 32) || null,
    tag: sp.get('tag')?.slice(0, 64) || null,
    groupId: sp.get('group') || null,
    sort: pick(sp.get('sort'), DEVICE_SORTS) ?? 'name',
    order: sp.get('order') === 'desc' ? 'desc' : 'asc',
    page: positiveInt(sp.get('page')) ?? 1,
    pageSize: size && (PAGE_SIZES as readonly number[]).includes(size) ? size : DEFAULT_PAGE_SIZE,
  };
}

export function toApiQuery(p: DeviceListParams): DeviceListQuery {
  return {
    page: p.page,
    pageSize: p.pageSize,
    sort: p.sort,
    order: p.order,
    ...(p.q.trim() ? { q: p.q.trim() } : {}),
    ...(p.status ? { status: p.status } : {}),
    ...(p.os ? { os: p.os } : {}),
    ...(p.tag ? { tag: p.tag } : {}),
    ...(p.groupId ? { groupId: p.groupId } : {}),
  };
}

export const hasFilters = (p: DeviceListParams) =>
  Boolean(p.q.trim() || p.status || p.os || p.tag || p.groupId);

/** Only non-default values go into the URL, so a shared link stays short. */
function write(p: DeviceListParams): URLSearchParams {
  const sp = new URLSearchParams();
  if (p.q) sp.set('q', p.q);
  if (p.status) sp.set('status', p.status);
  if (p.os) sp.set('os', p.os);
  if (p.tag) sp.set('tag', p.tag);
  if (p.groupId) sp.set('group', p.groupId);
  if (p.sort !== 'name') sp.set('sort', p.sort);
  if (p.order !== 'asc') sp.set('order', p.order);
  if (p.page !== 1) sp.set('page', String(p.page));
  if (p.pageSize !== DEFAULT_PAGE_SIZE) sp.set('pageSize', String(p.pageSize));
  return sp;
}

/**
 * The device list's filters, sort and page, kept in the URL so reload, back and a pasted
 * link show the same list. Changing anything but the page goes back to page 1.
 */
export function useDeviceListParams() {
  const [searchParams, setSearchParams] = useSearchParams();
  const params = useMemo(() => parseListParams(searchParams), [searchParams]);

  const update = useCallback(
    (patch: Partial<DeviceListParams>, options: { replace?: boolean } = {}) => {
      setSearchParams(
        (prev) => {
          const current = parseListParams(prev);
          const resetPage = !('page' in patch);
          return write({ ...current, ...(resetPage ? { page: 1 } : {}), ...patch });
        },
        { replace: options.replace },
      );
    },
    [setSearchParams],
  );

  const clearFilters = useCallback(
    () => update({ q: '', status: null, os: null, tag: null, groupId: null }),
    [update],
  );

  return { params, update, clearFilters };
}
