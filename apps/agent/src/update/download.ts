import { createHash, type KeyObject } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { deviceHttpAuthorization, type AgentBuild } from '@fleetdesk/protocol';
import { errorMessage } from '../log';
import { UpdateRefused } from './build-check';

export interface DownloadOptions {
  serverUrl: string;
  deviceId: string;
  privateKey: KeyObject;
  build: AgentBuild;
  /** Written here (mode 0755, fsynced); removed again if anything is off. */
  dest: string;
  fetchImpl?: typeof fetch;
  now?: () => number;
}

export const downloadPath = (platform: string): string =>
  `/api/agent-updates/builds/${encodeURIComponent(platform)}`;

/**
 * Streams the build to `dest`, hashing as it goes, and keeps it only when its size and
 * SHA-256 are exactly the signed ones. The request is signed with the device key (see
 * deviceHttpAuthorization), the same identity as the agent's socket.
 */
export async function downloadBuild(options: DownloadOptions): Promise<void> {
  const { build, dest } = options;
  const path = downloadPath(build.platform);
  const url = new URL(path, options.serverUrl).toString();
  const authorization = deviceHttpAuthorization(options.privateKey, {
    deviceId: options.deviceId,
    method: 'GET',
    path,
    at: (options.now ?? Date.now)(),
  });
  let response: Response;
  try {
    response = await (options.fetchImpl ?? fetch)(url, { headers: { authorization } });
  } catch (err) {
    throw new Error(`cannot download ${url}: ${errorMessage(err)}`);
  }
  if (!response.ok || !response.body) {
    const text = await response.text().catch(() => '');
    throw new Error(
      `the server answered ${response.status} to ${url}${text ? `: ${text.slice(0, 300)}` : ''}`,
    );
  }
  const hash = createHash('sha256');
  let size = 0;
  await rm(dest, { force: true });
  const file = await open(dest, 'wx', 0o755);
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > build.size) {
        throw new UpdateRefused(
          `the download is larger than the signed size of ${build.size} bytes; refused`,
        );
      }
      hash.update(chunk);
      await file.write(chunk);
    }
    await file.chmod(0o755);
    await file.sync();
  } catch (err) {
    await file.close().catch(() => undefined);
    await rm(dest, { force: true });
    throw err;
  }
  await file.close();
  const sha256 = hash.digest('hex');
  if (size !== build.size || sha256 !== build.sha256) {
    await rm(dest, { force: true });
    throw new UpdateRefused(
      `the downloaded build does not match its signature: SHA-256 ${sha256} (${size} bytes), signed ${build.sha256} (${build.size} bytes); refused, nothing replaced`,
    );
  }
}
