import 'reflect-metadata';
import type { Server } from 'node:http';
import { AgentGatewayService } from './agent-gateway/agent-gateway.service';
import { createApp } from './app.factory';
import { ConfigError, loadConfig } from './config/app-config';
import { ConsoleGatewayService } from './console-gateway/console-gateway.service';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`fleetdesk: invalid configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const app = await createApp(config);
  await app.listen(config.port, config.host ?? '0.0.0.0');
  const url = await app.getUrl();
  process.stdout.write(
    `fleetdesk: listening on ${url.replace('[::1]', 'localhost')} (database: ${config.databaseUrl ? 'PostgreSQL' : `embedded, ${config.dataDir}`})\n`,
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`fleetdesk: ${signal} received, finishing in-flight requests\n`);
    const force = setTimeout(() => {
      process.stderr.write('fleetdesk: shutdown timed out, exiting\n');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    // Stop accepting, close the WebSockets (agents and consoles reconnect, with backoff, to
    // another node) since server.close() would wait for them forever, let in-flight requests
    // finish, and only then close the database.
    const server: Server = app.getHttpServer();
    const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    app.get(ConsoleGatewayService, { strict: false }).closeSockets();
    app
      .get(AgentGatewayService, { strict: false })
      .closeSockets()
      .then(() => httpClosed)
      .then(() => app.close())
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        process.stderr.write(`fleetdesk: error during shutdown: ${String(error)}\n`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `fleetdesk: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
