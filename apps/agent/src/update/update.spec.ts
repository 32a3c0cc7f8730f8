import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AgentBuild,
  type AgentUpdateAction,
  agentBuildSigningPayload,
  generateDeviceKeyPair,
  signPayload,
} from '@fleetdesk/protocol';
import { silentLogger } from '../log';
import type { ActionContext } from '../runs/runs';
import { agentUpdateHandler, type AgentUpdateDeps, NOT_A_SINGLE_EXECUTABLE } from './agent-update';
import { agentPlatformOf, pickBuild, UpdateRefused } from './build-check';
import { downloadBuild } from './download';
import { underServiceManager } from './handover';
import { replaceExecutable } from './replace';
import { runTrial, type TrialChild, type TrialSpawner, trialArgs, trialMarkerPath } from './trial';

const server = generateDeviceKeyPair();
const serverPublicKey = createPublicKey(server.publicKey);
const device = generateDeviceKeyPair();
const deviceKey = createPrivateKey(device.privateKey);
const NEW_BYTES = Buffer.from('#!/bin/sh\necho new agent\n');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function signedBuild(over: Partial<AgentBuild> = {}): AgentBuild {
  const build = {
    platform: 'linux-x64',
    version: '0.2.0',
    sha256: sha(NEW_BYTES),
    size: NEW_BYTES.length,
    ...over,
  };
  return {
    ...build,
    signature: signPayload(server.privateKey, agentBuildSigningPayload(build)),
    ...(over.signature ? { signature: over.signature } : {}),
  };
}

const action = (builds = [signedBuild()]): AgentUpdateAction => ({
  kind: 'agent_update',
  version: '0.2.0',
  trialTimeoutMs: 5_000,
  builds,
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleetdesk-update-spec-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('picking and checking the build', () => {
  it('names platforms as the builds do', () => {
    expect(agentPlatformOf('win32', 'x64')).toBe('win-x64');
    expect(agentPlatformOf('linux', 'arm64')).toBe('linux-arm64');
    expect(agentPlatformOf('darwin', 'x64')).toBe('darwin-x64');
  });

  it('takes the signed build for this platform', () => {
    const build = signedBuild();
    expect(
      pickBuild(
        action([signedBuild({ platform: 'win-x64' }), build]),
        'linux-x64',
        serverPublicKey,
      ),
    ).toBe(build);
  });

  it.each([
    [
      'no build for the platform',
      action([signedBuild({ platform: 'win-x64' })]),
      /no build for linux-x64/,
    ],
    [
      'a signature by another key',
      action([
        {
          ...signedBuild(),
          signature: signPayload(device.privateKey, agentBuildSigningPayload(signedBuild())),
        },
      ]),
      /signature does not match the server key/,
    ],
    [
      'a hash changed after signing',
      action([{ ...signedBuild(), sha256: 'f'.repeat(64) }]),
      /signature does not match/,
    ],
    [
      'a build of another version',
      { ...action([signedBuild({ version: '0.1.9' })]), version: '0.2.0' },
      /is version 0\.1\.9, not the 0\.2\.0/,
    ],
  ])('refuses %s', (_what, a, message) => {
    expect(() => pickBuild(a, 'linux-x64', serverPublicKey)).toThrow(UpdateRefused);
    expect(() => pickBuild(a, 'linux-x64', serverPublicKey)).toThrow(message);
  });
});

describe('downloading', () => {
  const fetchOf = (body: Buffer, status = 200, seen: { url?: string; auth?: string } = {}) =>
    ((url: string, init?: RequestInit) => {
      seen.url = url;
      seen.auth = (init?.headers as Record<string, string>).authorization;
      return Promise.resolve(new Response(status === 200 ? body : 'nope', { status }));
    }) as unknown as typeof fetch;

  const download = (body: Buffer, build = signedBuild(), status = 200, seen = {}) =>
    downloadBuild({
      serverUrl: 'https://fleet.example',
      deviceId: '3f2b8c1e-9a4d-4f6b-8e2a-1c5d7e9f0a1b',
      privateKey: deviceKey,
      build,
      dest: join(dir, 'agent.new'),
      fetchImpl: fetchOf(body, status, seen),
    });

  it('keeps a build whose size and hash are the signed ones, executable, signing the request as the device', async () => {
    const seen: { url?: string; auth?: string } = {};
    await download(NEW_BYTES, signedBuild(), 200, seen);
    expect(await readFile(join(dir, 'agent.new'))).toEqual(NEW_BYTES);
    expect((await stat(join(dir, 'agent.new'))).mode & 0o777).toBe(0o755);
    expect(seen.url).toBe('https://fleet.example/api/agent-updates/builds/linux-x64');
    expect(seen.auth).toMatch(/^FleetdeskDevice 3f2b8c1e-9a4d-4f6b-8e2a-1c5d7e9f0a1b\.\d+\./);
  });

  it('refuses bytes that differ from the signed hash and leaves nothing behind', async () => {
    const changed = Buffer.from(NEW_BYTES);
    changed[3] ^= 1;
    await expect(download(changed)).rejects.toThrow(/does not match its signature/);
    await expect(stat(join(dir, 'agent.new'))).rejects.toThrow();
  });

  it('stops reading past the signed size', async () => {
    await expect(download(Buffer.concat([NEW_BYTES, NEW_BYTES]))).rejects.toThrow(
      /larger than the signed size/,
    );
    await expect(stat(join(dir, 'agent.new'))).rejects.toThrow();
  });

  it('says what the server answered', async () => {
    await expect(download(NEW_BYTES, signedBuild(), 401)).rejects.toThrow(/answered 401/);
  });
});

/** A trial process the test drives: `exit(code)` ends it, optionally after writing the marker. */
function fakeSpawner() {
  const calls: { exe: string; args: string[] }[] = [];
  let finish: (end: { code: number | null; signal: string | null }) => void = () => undefined;
  let killed = false;
  const spawn: TrialSpawner = (exe, args) => {
    calls.push({ exe, args });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      finish = resolve;
    });
    const child: TrialChild = {
      exited,
      kill: () => {
        killed = true;
        finish({ code: null, signal: 'SIGKILL' });
      },
    };
    return child;
  };
  return {
    spawn,
    calls,
    killed: () => killed,
    exit: (code: number) => finish({ code, signal: null }),
  };
}

describe('the trial', () => {
  const RUN = '6e1d9b4f-3a82-4c0f-b7d5-1e9f2a3b4c5d';
  const trial = (spawn: TrialSpawner, timeoutMs = 5_000) =>
    runTrial({
      exe: '/opt/agent.new',
      stateDir: dir,
      runId: RUN,
      version: '0.2.0',
      timeoutMs,
      spawn,
    });
  /** The trial clears old markers before it spawns: act only once it has spawned. */
  const spawned = async (fake: { calls: unknown[] }) => {
    for (let i = 0; i < 200 && fake.calls.length === 0; i++)
      await new Promise((r) => setTimeout(r, 5));
  };
  const prove = (version = '0.2.0') =>
    writeFile(trialMarkerPath(dir, RUN), JSON.stringify({ version, at: Date.now() }));

  it('succeeds when the new binary connected (marker with its version) and exited 0', async () => {
    const fake = fakeSpawner();
    const result = trial(fake.spawn);
    await spawned(fake);
    await prove();
    fake.exit(0);
    expect(await result).toEqual({ ok: true });
    expect(fake.calls).toEqual([{ exe: '/opt/agent.new', args: trialArgs(dir, RUN) }]);
    await expect(stat(trialMarkerPath(dir, RUN))).rejects.toThrow();
  });

  it('fails with the exit code when the new binary exits at start-up', async () => {
    const fake = fakeSpawner();
    const result = trial(fake.spawn);
    await spawned(fake);
    fake.exit(1);
    expect(await result).toEqual({
      ok: false,
      reason: 'the new version exited at start-up with code 1; rolled back to the previous version',
    });
  });

  it('fails when it exits 0 without connecting, or proves another version', async () => {
    const silent = fakeSpawner();
    const r1 = trial(silent.spawn);
    await spawned(silent);
    silent.exit(0);
    expect(await r1).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/without connecting/),
    });

    const other = fakeSpawner();
    const r2 = trial(other.spawn);
    await spawned(other);
    await prove('0.1.0');
    other.exit(0);
    expect(await r2).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/says it is version 0\.1\.0, not 0\.2\.0/),
    });
  });

  it('kills the new binary when it does not connect in time', async () => {
    const fake = fakeSpawner();
    const result = await trial(fake.spawn, 50);
    expect(fake.killed()).toBe(true);
    expect(result).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/did not reconnect within 0 s; it was stopped/),
    });
  });

  it('ignores a marker left by an earlier trial of the same run', async () => {
    await prove();
    const fake = fakeSpawner();
    const result = trial(fake.spawn);
    await spawned(fake);
    fake.exit(0);
    expect(await result).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/without connecting/),
    });
  });
});

describe('replacing the executable', () => {
  it.each(['linux', 'win32'] as const)(
    'puts the new one in place and keeps the old one as .previous (%s)',
    async (platform) => {
      const exe = join(dir, 'fleetdesk-agent');
      await writeFile(exe, 'old');
      await writeFile(`${exe}.new`, 'new');
      await writeFile(`${exe}.previous`, 'older');
      await replaceExecutable(exe, `${exe}.new`, platform);
      expect(await readFile(exe, 'utf8')).toBe('new');
      expect(await readFile(`${exe}.previous`, 'utf8')).toBe('old');
      await expect(stat(`${exe}.new`)).rejects.toThrow();
    },
  );

  it('on Windows, moves the old one back when the new one cannot take its place', async () => {
    const exe = join(dir, 'fleetdesk-agent.exe');
    await writeFile(exe, 'old');
    await expect(replaceExecutable(exe, `${exe}.missing`, 'win32')).rejects.toThrow();
    expect(await readFile(exe, 'utf8')).toBe('old');
  });
});

describe('the agent_update handler', () => {
  const RUN = '6e1d9b4f-3a82-4c0f-b7d5-1e9f2a3b4c5d';

  function setup(over: Partial<AgentUpdateDeps> = {}) {
    const events: string[] = [];
    const said: string[] = [];
    const exe = join(dir, 'fleetdesk-agent');
    const fake = fakeSpawner();
    const deps: AgentUpdateDeps = {
      stateDir: dir,
      serverUrl: 'https://fleet.example',
      deviceId: '3f2b8c1e-9a4d-4f6b-8e2a-1c5d7e9f0a1b',
      privateKey: deviceKey,
      serverPublicKey,
      currentVersion: '0.1.0',
      platform: 'linux-x64',
      executable: exe,
      suspendConnection: () => {
        events.push('suspend');
        return Promise.resolve();
      },
      resumeConnection: () => void events.push('resume'),
      handOver: () => void events.push('handover'),
      download: async ({ dest }) => {
        events.push('download');
        await writeFile(dest, NEW_BYTES);
      },
      spawn: (exeArg, args, onOutput) => {
        events.push('trial');
        return fake.spawn(exeArg, args, onOutput);
      },
      replace: async (from, next) => {
        events.push('replace');
        await replaceExecutable(from, next);
      },
      ...over,
    };
    const ctx: ActionContext = { runId: RUN, log: silentLogger, say: (l) => void said.push(l) };
    return { deps, ctx, events, said, exe, fake, handler: agentUpdateHandler(deps) };
  }

  beforeEach(async () => {
    await writeFile(join(dir, 'fleetdesk-agent'), 'old');
  });

  it('refuses when the agent is not a single-file executable', async () => {
    const t = setup({ executable: null });
    expect(await t.handler(action(), t.ctx)).toEqual({
      outcome: 'failed',
      error: NOT_A_SINGLE_EXECUTABLE,
    });
    expect(t.events).toEqual([]);
  });

  it('does nothing when already on the version', async () => {
    const t = setup({ currentVersion: '0.2.0' });
    expect(await t.handler(action(), t.ctx)).toEqual({ outcome: 'succeeded' });
    expect(t.events).toEqual([]);
  });

  it('refuses a build not signed by the pinned key before downloading or stepping aside', async () => {
    const t = setup();
    const forged = {
      ...signedBuild(),
      signature: signPayload(device.privateKey, Buffer.from('x')),
    };
    const end = await t.handler(action([forged]), t.ctx);
    expect(end.outcome).toBe('failed');
    expect(end.error).toMatch(/^refused: .*signature does not match/);
    expect(t.events).toEqual([]);
    expect(await readFile(t.exe, 'utf8')).toBe('old');
  });

  it('keeps this version and reconnects when the trial fails', async () => {
    const t = setup();
    const pending = t.handler(action(), t.ctx);
    await waitForEvent(t.events, 'trial');
    t.fake.exit(3);
    const end = await pending;
    expect(end).toEqual({
      outcome: 'failed',
      error: 'the new version exited at start-up with code 3; rolled back to the previous version',
    });
    expect(t.events).toEqual(['download', 'suspend', 'trial', 'resume']);
    expect(await readFile(t.exe, 'utf8')).toBe('old');
    await expect(stat(`${t.exe}.new`)).rejects.toThrow();
  });

  it('replaces itself after a good trial and hands over only after the result is saved', async () => {
    const t = setup();
    const pending = t.handler(action(), t.ctx);
    await waitForEvent(t.events, 'trial');
    await writeFile(trialMarkerPath(dir, RUN), JSON.stringify({ version: '0.2.0', at: 1 }));
    t.fake.exit(0);
    const end = await pending;
    expect(end.outcome).toBe('succeeded');
    expect(t.events).toEqual(['download', 'suspend', 'trial', 'replace']);
    expect(await readFile(t.exe)).toEqual(NEW_BYTES);
    expect(await readFile(`${t.exe}.previous`, 'utf8')).toBe('old');
    end.afterResult?.();
    expect(t.events.at(-1)).toBe('handover');
  });

  it('reconnects and reports when the replacement fails', async () => {
    const t = setup({ replace: () => Promise.reject(new Error('EACCES')) });
    const pending = t.handler(action(), t.ctx);
    await waitForEvent(t.events, 'trial');
    await writeFile(trialMarkerPath(dir, RUN), JSON.stringify({ version: '0.2.0', at: 1 }));
    t.fake.exit(0);
    const end = await pending;
    expect(end.error).toMatch(/could not replace .*EACCES; the previous version stays/);
    expect(t.events.at(-1)).toBe('resume');
  });
});

async function waitForEvent(events: string[], name: string): Promise<void> {
  for (let i = 0; i < 200 && !events.includes(name); i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  if (!events.includes(name)) throw new Error(`no ${name}`);
}

describe('handing over', () => {
  it('leaves the restart to a service manager only when one says it is there', () => {
    expect(underServiceManager({ INVOCATION_ID: 'abc' })).toBe(true);
    expect(underServiceManager({ XPC_SERVICE_NAME: 'com.fleetdesk.agent' })).toBe(true);
    expect(underServiceManager({ FLEETDESK_AGENT_SERVICE: '1' })).toBe(true);
    // A macOS terminal has XPC_SERVICE_NAME=0; a hand-started agent has none of these.
    expect(underServiceManager({ XPC_SERVICE_NAME: '0' })).toBe(false);
    expect(underServiceManager({})).toBe(false);
  });
});
