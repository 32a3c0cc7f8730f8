import { useEffect, useState } from 'react';
import { ApiError, describeFailure } from '../../api/client';
import { indexLines, type LogText } from './log-text';
import { fileUrl } from './api';

/** Past this a file is offered as a download only: a tab holding a gigabyte string would die. */
export const VIEWER_MAX_BYTES = 256 * 1024 * 1024;

export type LogTextState =
  | { status: 'loading'; received: number }
  | { status: 'ready'; log: LogText }
  | { status: 'error'; error: unknown };

async function failure(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return describeFailure(response.status, body);
}

/**
 * Fetches a bundle file once, streamed (the progress shows while a large file arrives), and
 * indexes its lines. The server offers no byte ranges for bundle files, and a search must see
 * the whole text anyway, so it is read whole; the index keeps drawing cheap.
 */
export function useLogText(bundleId: string, index: number, enabled: boolean): LogTextState {
  const key = `${bundleId}/${index}`;
  // The state names the file it is about: another file shows "loading" until its own arrives.
  const [held, setHeld] = useState<{ key: string; state: LogTextState } | null>(null);

  useEffect(() => {
    if (!enabled) return;
    const abort = new AbortController();
    const setState = (state: LogTextState) => setHeld({ key, state });
    void (async () => {
      let response: Response;
      try {
        response = await fetch(fileUrl(bundleId, index), {
          credentials: 'same-origin',
          signal: abort.signal,
        });
      } catch {
        if (abort.signal.aborted) return;
        setState({
          status: 'error',
          error: new ApiError(0, 'NETWORK', 'Cannot reach the Fleetdesk server. Try again.'),
        });
        return;
      }
      if (!response.ok) {
        const error = await failure(response);
        if (!abort.signal.aborted) setState({ status: 'error', error });
        return;
      }
      try {
        const parts: Uint8Array[] = [];
        let received = 0;
        let shown = 0;
        const reader = response.body!.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parts.push(value);
          received += value.length;
          // A progress re-render per 1 MB, not per network chunk.
          if (received - shown >= 1024 * 1024) {
            shown = received;
            setState({ status: 'loading', received });
          }
        }
        const bytes = new Uint8Array(received);
        let at = 0;
        for (const p of parts) {
          bytes.set(p, at);
          at += p.length;
        }
        parts.length = 0;
        const text = new TextDecoder('utf-8').decode(bytes);
        if (!abort.signal.aborted) setState({ status: 'ready', log: indexLines(text) });
      } catch {
        if (abort.signal.aborted) return;
        setState({
          status: 'error',
          error: new ApiError(0, 'NETWORK', 'The download broke off before the end. Try again.'),
        });
      }
    })();
    return () => abort.abort();
  }, [bundleId, index, enabled, key]);

  return held?.key === key ? held.state : { status: 'loading', received: 0 };
}
