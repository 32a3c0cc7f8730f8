import type { RunDetailResponse, RunResponse } from '@fleetdesk/api-types';
import { get } from '../../api/client';

// Colour and cursor escapes: kept in the terminal, dropped from copied and downloaded text.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

export const plainText = (s: string) => s.replace(ANSI, '').replace(/\r\n?/g, '\n');

/** A run's whole stored output as plain text (stdout and stderr in the order they came). */
export async function fetchRunText(runId: string): Promise<string> {
  const run = await get<RunDetailResponse>(`/runs/${runId}`, { afterSeq: -1 });
  return plainText(run.output.map((c) => c.data).join(''));
}

/** Prefixes every line with the device's name, as `[web-01] line`, for combined views. */
export function prefixLines(device: string, text: string): string {
  if (!text) return '';
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return lines.map((l) => `[${device}] ${l}`).join('\n') + '\n';
}

/** The name a run's output is shown under: the display name, plus a short id if it is shared. */
export function runDeviceLabel(run: RunResponse, all: readonly RunResponse[]): string {
  const same = all.filter((r) => r.device.displayName === run.device.displayName).length > 1;
  return same ? `${run.device.displayName}#${run.device.id.slice(0, 8)}` : run.device.displayName;
}

/** Saves text as a file through a temporary link, so no new window or server round trip. */
export function downloadText(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A file name safe on every OS, from a job or device name. */
export const safeFileName = (s: string) =>
  s
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80) || 'output';
