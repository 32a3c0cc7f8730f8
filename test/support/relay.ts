import WebSocket, { WebSocketServer } from 'ws';
import { freePort } from './processes';

export interface Relay {
  url: string;
  close(): void;
  /** Sends a frame to the agent as if the server had sent it. */
  toAgent(frame: string): void;
}

export interface RelayHooks {
  /** Agent → server; return null to drop the connection after forwarding. */
  fromAgent?(frame: { type: string; raw: string }): 'forward' | 'forward-then-drop';
  /** Server → agent; return the frame to deliver (possibly changed). */
  fromServer?(frame: { type: string; raw: string }): string;
}

/**
 * A man in the middle between a real agent and the real server, for fault and tamper tests.
 * Frames are relayed as text, as both ends require.
 */
export async function startRelay(serverUrl: string, hooks: RelayHooks = {}): Promise<Relay> {
  const port = await freePort();
  const wss = new WebSocketServer({ port, host: '127.0.0.1' });
  let current: WebSocket | undefined;
  wss.on('connection', (client) => {
    current = client;
    const upstream = new WebSocket(`${serverUrl.replace('http', 'ws')}/agent`);
    const pending: string[] = [];
    upstream.on('open', () => pending.splice(0).forEach((m) => upstream.send(m)));
    upstream.on('message', (data) => {
      const raw = String(data as Buffer);
      const type = (JSON.parse(raw) as { type: string }).type;
      const out = hooks.fromServer ? hooks.fromServer({ type, raw }) : raw;
      if (client.readyState === client.OPEN) client.send(out);
    });
    client.on('message', (data) => {
      const raw = String(data as Buffer);
      const type = (JSON.parse(raw) as { type: string }).type;
      if (upstream.readyState === upstream.OPEN) upstream.send(raw);
      else pending.push(raw);
      if (hooks.fromAgent?.({ type, raw }) === 'forward-then-drop') {
        client.terminate();
        upstream.terminate();
      }
    });
    client.on('close', () => upstream.close());
    upstream.on('close', () => client.close());
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => wss.close(),
    toAgent: (frame) => current?.send(frame),
  };
}
