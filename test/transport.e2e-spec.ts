import { generateDeviceKeyPair, serverKeyFingerprint } from '@fleetdesk/protocol';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installGuides } from '../apps/console/src/features/enrollment/commands';
import { Fleet } from './support/fleet';
import { AGENT_BUNDLE, buildAll, spawnNode, waitFor } from './support/processes';
import { makeCertificates, type TestCertificates } from './support/tls';

/**
 * First contact over TLS, served by the server itself (TLS_CERT_FILE/TLS_KEY_FILE): real
 * server and agent processes, a private CA the agent trusts through NODE_EXTRA_CA_CERTS.
 */
describe('TLS served by the server, and a pinned first contact', () => {
  let dir: string;
  let certs: TestCertificates;
  let fleet: Fleet;

  beforeAll(async () => {
    buildAll();
    dir = await mkdtemp(join(tmpdir(), 'fleetdesk-tls-'));
    certs = makeCertificates(dir);
    fleet = await Fleet.start({}, certs);
  }, 180_000);
  afterAll(async () => {
    await fleet?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const createToken = async () => {
    const res = await fleet
      .api()
      .post('/api/enrollment-tokens')
      .set('Authorization', fleet.admin)
      .send({ name: 'pinned', maxUses: 10 })
      .expect(201);
    return res.body as { token: string; serverKeySha256: string };
  };

  it('refuses a server key with another fingerprint and saves nothing; the console command enrolls over https and the agent connects over wss', async () => {
    const { token, serverKeySha256 } = await createToken();

    const wrongDir = join(await fleet.tempDir(), 'state');
    const wrong = serverKeyFingerprint(generateDeviceKeyPair().publicKey);
    const refused = fleet.spawnEnroll(wrongDir, token, ['--server-key-sha256', wrong]);
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain(`not the expected ${wrong}`);
    expect(refused.output()).toContain('Nothing was saved');
    expect(existsSync(wrongDir)).toBe(false);

    // Without the CA the certificate is not trusted: verification is really on.
    const untrustedDir = join(await fleet.tempDir(), 'state');
    const untrusted = spawnNode(
      [
        AGENT_BUNDLE,
        'enroll',
        '--server',
        fleet.url,
        '--token',
        token,
        '--state-dir',
        untrustedDir,
      ],
      {},
    );
    expect(await untrusted.exited).toBe(1);
    expect(untrusted.output()).toMatch(/certificate/i);
    expect(existsSync(untrustedDir)).toBe(false);

    // The fingerprint exactly as the console's Linux command passes it.
    const linux = installGuides(fleet.url, token, serverKeySha256).find(
      (g) => g.platform === 'linux',
    );
    const pin = /--server-key-sha256 ([0-9a-f]{64})/.exec(linux?.commands ?? '')?.[1];
    expect(pin).toBe(serverKeySha256);
    const { stateDir, deviceId } = await fleet.enrollAgent(token, ['--server-key-sha256', pin!]);
    const pinned = await readFile(join(stateDir, 'server.pub'), 'utf8');
    expect(serverKeyFingerprint(pinned)).toBe(serverKeySha256);

    fleet.runAgent(stateDir);
    await waitFor(async () => {
      const res = await fleet
        .api()
        .get(`/api/devices/${deviceId}`)
        .set('Authorization', fleet.admin)
        .expect(200);
      return res.body.status === 'online';
    }, 20_000);
  }, 90_000);

  it('refuses plain http to another machine before contacting it', async () => {
    const stateDir = join(await fleet.tempDir(), 'state');
    const proc = fleet.spawnEnroll(stateDir, 'fde_x', [], 'http://192.0.2.10:3000');
    expect(await proc.exited).toBe(2);
    expect(proc.output()).toMatch(/is not https.*--insecure/);
    expect(existsSync(stateDir)).toBe(false);
  });
});
