import { RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AGENT_PATH } from './agent-gateway/agent-gateway.service';
import { AppModule } from './app.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { refuseHostileInput, requireJsonBody } from './common/request-shape';
import { refuseUnknownUpgrades } from './common/upgrade-fallback';
import { createValidationPipe } from './common/validation';
import type { AppConfig } from './config/app-config';
import { CONSOLE_SOCKET_PATH } from './console-gateway/console-gateway.service';
import { createOpenApiDocument } from './openapi/openapi-document';
import { serveConsole } from './web-console/serve-console';

/** Builds the whole server; main.ts and the integration tests both start it this way. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    abortOnError: false,
    // Nest would add JSON and URL-encoded parsers; the API takes JSON only (see below).
    bodyParser: false,
    // The agent's /agent WebSocket and the console's socket.io attach to this same server, so
    // with a certificate both become wss:// with no further change.
    ...(config.tls ? { httpsOptions: { cert: config.tls.cert, key: config.tls.key } } : {}),
  });
  app.useLogger(app.get(Logger));
  // Matches engine.io's own test: its path with a trailing slash, as a prefix of the URL.
  refuseUnknownUpgrades(
    app.getHttpServer(),
    (path) => path === AGENT_PATH || path.startsWith(`${CONSOLE_SOCKET_PATH}/`),
  );
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  // The console gets a strict policy: scripts only from this origin, no inline script, no eval,
  // so an agent-reported string that slipped into the DOM as markup still could not run.
  // Styles allow inline because Mantine writes its CSS variables into a <style> element.
  const strict = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'none'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
  });
  // Swagger UI at /api/docs needs its inline bootstrap script and styles.
  const docs = helmet({
    contentSecurityPolicy: {
      directives: {
        'script-src': ["'self'", "'unsafe-inline'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'upgrade-insecure-requests': null,
      },
    },
  });
  app.use((req: Request, res: Response, next: NextFunction) =>
    (req.path.startsWith('/api/docs') ? docs : strict)(req, res, next),
  );
  app.use('/api', requireJsonBody);
  // A 256 KiB script grows with JSON escaping; anything bigger is refused with a 413.
  app.useBodyParser('json', { limit: '2mb' });
  app.use('/api', refuseHostileInput);
  serveConsole(app, config.consoleDir);
  app.setGlobalPrefix('api', {
    exclude: [
      { path: 'health', method: RequestMethod.GET },
      // The one-line agent installers sit at the root, where a short command can name them.
      { path: 'install.sh', method: RequestMethod.GET },
      { path: 'install.ps1', method: RequestMethod.GET },
    ],
  });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());

  SwaggerModule.setup('api/docs', app, () => createOpenApiDocument(app));
  return app;
}
