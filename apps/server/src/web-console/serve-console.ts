import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';

/** Paths the server itself answers; the console must never shadow them. */
const SERVER_PATHS = /^\/(api|health|agent|socket\.io|install\.sh|install\.ps1)(\/|$)/;

/**
 * Serves the built web console (apps/console) at /, every other page path falling back to
 * index.html so the console's own routes survive a reload. Plain Express static serving:
 * @nestjs/serve-static turns body-parser errors on excluded routes into 404s.
 */
export function serveConsole(app: NestExpressApplication, consoleDir: string): void {
  const index = join(consoleDir, 'index.html');
  if (!existsSync(index)) {
    new Logger('WebConsole').warn(
      `web console not found at ${consoleDir}: run "npm run build:console" (npm start does it)`,
    );
    return;
  }
  const assets = join(consoleDir, 'assets') + sep;
  app.useStaticAssets(consoleDir, {
    index: false,
    setHeaders: (res: Response, path: string) => {
      // Vite names assets by content hash: cache them for good, but always revalidate
      // index.html so a deploy reaches every browser at its next load.
      res.setHeader(
        'Cache-Control',
        path.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || SERVER_PATHS.test(req.path)) {
      return next();
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index, (error) => {
      if (error) next(error);
    });
  });
}
