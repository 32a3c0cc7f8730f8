import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from './app-config';

/**
 * pino-pretty's options for a person at a terminal: one line per entry, the Nest context and
 * the request line up front, the bulky req/res objects left out (LOG_LEVEL=debug or a pipe
 * through `jq` is the way to see them whole).
 */
export const PRETTY_OPTIONS = {
  colorize: true,
  translateTime: 'SYS:HH:MM:ss.l',
  ignore: 'pid,hostname,context,req,res,responseTime',
  singleLine: true,
  messageFormat:
    '{if context}[{context}] {end}{msg}{if req.method} {req.method} {req.url} {res.statusCode} {responseTime}ms{end}',
} as const;

/**
 * The server's logger: JSON lines (what log shippers, tests, CI and `docker logs` want) unless
 * stdout is an interactive terminal, where pino-pretty makes them readable. pino-pretty runs as
 * a pino transport, in a worker thread, so it never slows the event loop.
 */
export function loggerParams(
  config: Pick<AppConfig, 'logLevel'>,
  stdoutIsTty: boolean = process.stdout.isTTY === true,
): Params {
  return {
    forRoutes: [{ path: '{*all}', method: RequestMethod.ALL }],
    pinoHttp: {
      level: config.logLevel,
      // Credentials never reach the log.
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
        censor: '[redacted]',
      },
      autoLogging: { ignore: (req) => req.url === '/health' },
      ...(stdoutIsTty ? { transport: { target: 'pino-pretty', options: PRETTY_OPTIONS } } : {}),
    },
  };
}
