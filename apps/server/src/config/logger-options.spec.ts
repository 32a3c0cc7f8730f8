import { prettyFactory } from 'pino-pretty';
import type { Options } from 'pino-http';
import { loggerParams, PRETTY_OPTIONS } from './logger-options';

const pinoHttp = (tty?: boolean) => loggerParams({ logLevel: 'debug' }, tty).pinoHttp as Options;

describe('loggerParams', () => {
  it('writes JSON lines when stdout is not a terminal', () => {
    const options = pinoHttp(false);
    expect(options.transport).toBeUndefined();
    expect(options.level).toBe('debug');
    expect(options.redact).toMatchObject({ paths: expect.arrayContaining(['req.headers.cookie']) });
  });

  it('pretty-prints through pino-pretty on a terminal, redacting the same', () => {
    const options = pinoHttp(true);
    expect(options.transport).toEqual({ target: 'pino-pretty', options: PRETTY_OPTIONS });
    expect(options.redact).toEqual(pinoHttp(false).redact);
    // The transport runs in a worker thread that resolves the target by name from here.
    expect(() => require.resolve('pino-pretty')).not.toThrow();
  });

  it('asks stdout itself when not told', () => {
    const had = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
    try {
      Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true });
      expect(pinoHttp().transport).toBeDefined();
      Object.defineProperty(process.stdout, 'isTTY', { value: undefined, configurable: true });
      expect(pinoHttp().transport).toBeUndefined();
    } finally {
      if (had) Object.defineProperty(process.stdout, 'isTTY', had);
      else delete (process.stdout as { isTTY?: boolean }).isTTY;
    }
  });

  it('puts the Nest context and the request line on one readable line', () => {
    const pretty = prettyFactory({ ...PRETTY_OPTIONS, colorize: false });
    const time = Date.UTC(2026, 0, 2, 3, 4, 5);
    const request = pretty({
      level: 30,
      time,
      pid: 1,
      hostname: 'h',
      req: { id: 1, method: 'GET', url: '/api/devices', headers: {} },
      res: { statusCode: 200, headers: {} },
      responseTime: 12,
      msg: 'request completed',
    });
    expect(request).toMatch(/INFO: request completed GET \/api\/devices 200 12ms\n$/);
    expect(request).not.toMatch(/hostname|pid|headers/);
    const app = pretty({ level: 40, time, context: 'AgentGateway', msg: 'socket closed' });
    expect(app).toMatch(/WARN: \[AgentGateway\] socket closed\n$/);
  });
});
