import { execFileSync } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import {
  createServer,
  type IncomingHttpHeaders,
  type RequestListener,
  type Server,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

/** A real local HTTP(S) server; `close()` ends it and its sockets. */
export interface Local {
  url: string;
  close: () => Promise<void>;
}

async function listen(server: Server, scheme: 'http' | 'https'): Promise<Local> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const startHttp = (handler: RequestListener) => listen(createServer(handler), 'http');

export const startHttps = (handler: RequestListener, cert: string, key: string) =>
  listen(createHttpsServer({ cert, key }, handler), 'https');

/** One webhook POST as the receiver saw it. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: {
    summary: string;
    digest: boolean;
    test: boolean;
    events: { event: string; alert: { subject: string; severity: string; title: string } }[];
  };
}

/** A webhook receiver: records every POST and answers 200 (or what `answer` says). */
export async function startReceiver(answer: (r: Received) => number = () => 200) {
  const got: Received[] = [];
  const local = await startHttp((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const r: Received = { path: req.url ?? '', headers: req.headers, raw, body: JSON.parse(raw) };
      got.push(r);
      res.writeHead(answer(r)).end();
    });
  });
  return { ...local, got, on: (path: string) => got.filter((r) => r.path === path) };
}

/** What a receiver does with the signature headers: recompute and compare in constant time. */
export function validSignature(r: Received, secret: string): boolean {
  const ts = String(r.headers['x-fleetdesk-timestamp'] ?? '');
  const sig = String(r.headers['x-fleetdesk-signature'] ?? '');
  const expected = `sha256=${createHmac('sha256', secret).update(`${ts}.${r.raw}`).digest('hex')}`;
  return (
    ts !== '' &&
    Math.abs(Date.now() / 1000 - Number(ts)) < 300 &&
    sig.length === expected.length &&
    timingSafeEqual(Buffer.from(sig), Buffer.from(expected))
  );
}

/** A real SMTP server that accepts every message and keeps it (no TLS, no auth). */
export async function startSmtpSink() {
  const mails: { to: string[]; data: string }[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A private CA (valid 30 days) and a server certificate for 127.0.0.1 signed by it that
 * expires in `days` days, made with the openssl CLI as an operator would.
 */
export function certificateExpiringIn(dir: string, days: number) {
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...newKey,
    '-days',
    '30',
    '-subj',
    '/CN=Monitoring test CA',
    '-keyout',
    path('ca.key'),
    '-out',
    path('ca.crt'),
  );
  openssl(
    'req',
    ...newKey,
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    path('site.key'),
    '-out',
    path('site.csr'),
  );
  writeFileSync(path('site.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(
    'x509',
    '-req',
    '-in',
    path('site.csr'),
    '-CA',
    path('ca.crt'),
    '-CAkey',
    path('ca.key'),
    '-CAcreateserial',
    '-days',
    String(days),
    '-extfile',
    path('site.ext'),
    '-out',
    path('site.crt'),
  );
  return { caFile: path('ca.crt'), certFile: path('site.crt'), keyFile: path('site.key') };
}

/** The Subject of a raw message, unfolded and with RFC 2047 Q-encoded words decoded. */
export function subjectOf(raw: string): string {
  const header = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(raw)?.[1] ?? '';
  return header
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/\r?\n[ \t]/g, ' ')
    .replace(/=\?UTF-8\?Q\?(.*?)\?=/gi, (_m, word: string) =>
      Buffer.from(
        word
          .replace(/_/g, ' ')
          .replace(/=([0-9A-F]{2})/gi, (_x, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      ).toString('utf8'),
    );
}
