import { createTransport } from 'nodemailer';

export interface SendOutcome {
  ok: boolean;
  /** HTTP status or SMTP reply code, when the other side answered. */
  code: number | null;
  error: string | null;
}

const TIMEOUT_MS = 10_000;

/**
 * POSTs a JSON body. Redirects are not followed (a webhook that moved is a failure to fix,
 * not something to chase across hosts); only a 2xx answer counts as delivered.
 */
export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<SendOutcome> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Fleetdesk-Notify/1',
        ...headers,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    // The body is read (and dropped) so the connection is released.
    const text = await res.text().catch(() => '');
    if (res.status >= 200 && res.status < 300) return { ok: true, code: res.status, error: null };
    return {
      ok: false,
      code: res.status,
      error: `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
    };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const cause = err.cause?.code ?? err.cause?.message;
    return {
      ok: false,
      code: null,
      error:
        err.name === 'TimeoutError'
          ? `no answer within ${TIMEOUT_MS} ms`
          : `${err.message}${cause ? ` (${cause})` : ''}`,
    };
  }
}

/** Sends one plain-text email through the configured SMTP server. */
export async function sendMail(
  smtp: { url: string; from: string },
  to: string[],
  subject: string,
  text: string,
): Promise<SendOutcome> {
  const transport = createTransport({
    url: smtp.url,
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  });
  try {
    const info = (await transport.sendMail({ from: smtp.from, to, subject, text })) as {
      response?: string;
      rejected?: unknown[];
    };
    const code = Number(/^(\d{3})/.exec(info.response ?? '')?.[1]) || null;
    if (info.rejected && info.rejected.length > 0)
      return { ok: false, code, error: `refused recipients: ${info.rejected.join(', ')}` };
    return { ok: true, code, error: null };
  } catch (e) {
    const err = e as Error & { responseCode?: number };
    return { ok: false, code: err.responseCode ?? null, error: err.message.slice(0, 500) };
  } finally {
    transport.close();
  }
}
