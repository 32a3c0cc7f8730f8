import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  AGENT_AUTH_CONTEXT,
  AGENT_BUILD_CONTEXT,
  SERVER_AUTH_CONTEXT,
  actionRunSigningPayload,
  agentAuthPayload,
  agentBuildSigningPayload,
  canonicalPayload,
  cancelSigningPayload,
  checksSigningPayload,
  runSigningPayload,
  RUN_BATCH_CONTEXT,
  runBatchRoot,
  runBatchSigningPayload,
  runBatchTree,
  runLeafHash,
  runLeafOfPayload,
  verifyRunSignature,
  generateDeviceKeyPair,
  isEd25519PublicKeyPem,
  newNonce,
  newNonces,
  normalizeFingerprint,
  parsePublicKey,
  serverKeyFingerprint,
  serverAuthPayload,
  signPayload,
  verifyPayload,
  verifyPayloadAsync,
} from './crypto';
import { encodeFrame, parseFrame } from './envelope';
import { sampleBodies } from './test-support/samples';
import { NONCE_BYTES, type ActionRunSpec, type AgentUpdateAction } from './messages';
import { base64Bytes } from './validate';

const device = generateDeviceKeyPair();
const server = generateDeviceKeyPair();
const fields = {
  deviceId: '3f2b8c1e-9a4d-4f6b-8e2a-1c5d7e9f0a1b',
  serverNonce: newNonce(),
  agentNonce: newNonce(),
};

describe('keys and nonces', () => {
  it('generates Ed25519 PEM key pairs (SPKI public, PKCS#8 private)', () => {
    expect(device.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(device.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(createPublicKey(device.publicKey).asymmetricKeyType).toBe('ed25519');
    expect(device.publicKey).not.toBe(server.publicKey);
  });

  it('parsePublicKey accepts Ed25519 public keys only', () => {
    expect(parsePublicKey(device.publicKey)?.asymmetricKeyType).toBe('ed25519');
    expect(parsePublicKey(createPublicKey(device.publicKey))).not.toBeNull();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const x25519 = generateKeyPairSync('x25519');
    for (const bad of [
      '',
      'garbage',
      '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
      rsa.publicKey,
      x25519.publicKey,
      createPrivateKey(device.privateKey),
      // Would derive the right public key, but a private key here means it leaked.
      device.privateKey,
      Buffer.from(device.publicKey) as unknown as string,
    ]) {
      expect(parsePublicKey(bad)).toBeNull();
    }
  });

  it('isEd25519PublicKeyPem accepts the keys agents send and nothing parsePublicKey refuses', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const x25519 = generateKeyPairSync('x25519');
    const ed448 = generateKeyPairSync('ed448');
    const good = device.publicKey;
    const body = good.split('\n')[1];
    const accepted = [
      good,
      good.replace(/\n/g, '\r\n'),
      `${good}  \n`,
      good.replace(body, `${body.slice(0, 30)}\n${body.slice(30)}`),
      ...Array.from({ length: 20 }, () => generateDeviceKeyPair().publicKey),
    ];
    for (const pem of accepted) {
      expect([pem, isEd25519PublicKeyPem(pem), parsePublicKey(pem) !== null]).toEqual([
        pem,
        true,
        true,
      ]);
    }
    const candidates: string[] = [
      '',
      'garbage',
      `  ${good}`,
      '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
      rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string,
      x25519.publicKey.export({ type: 'spki', format: 'pem' }) as string,
      ed448.publicKey.export({ type: 'spki', format: 'pem' }) as string,
      device.privateKey,
      good.replace(/PUBLIC/g, 'PRIVATE'),
      good.replace(body, body.slice(0, -1)),
    ];
    // Every single-character change of the base64 body.
    for (let i = 0; i < body.length; i += 1) {
      for (const c of 'AZaz09+/=!') {
        if (body[i] !== c) {
          candidates.push(good.replace(body, body.slice(0, i) + c + body.slice(i + 1)));
        }
      }
    }
    // Stricter than OpenSSL is fine (it also takes trailing bytes after the DER); looser is not.
    for (const pem of candidates) {
      if (isEd25519PublicKeyPem(pem)) expect([pem, parsePublicKey(pem)]).not.toEqual([pem, null]);
    }
    expect(candidates.slice(0, 10).some((pem) => isEd25519PublicKeyPem(pem))).toBe(false);
  });

  it('newNonce makes distinct canonical 32-byte base64 nonces', () => {
    const nonces = new Set(Array.from({ length: 100 }, newNonce));
    expect(nonces.size).toBe(100);
    for (const n of nonces) expect(base64Bytes(NONCE_BYTES)(n).ok).toBe(true);
  });
});

describe('server key fingerprint', () => {
  // Fixed key, fixed answer: the agent and the console compare this value across versions.
  const GOLDEN_KEY =
    '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAjRug+xcXl3qAtFO+1ytaNdAmLKS/aETOm75R/0s7ui4=\n-----END PUBLIC KEY-----\n';

  it('is the hex SHA-256 of the DER SubjectPublicKeyInfo (golden value)', () => {
    expect(serverKeyFingerprint(GOLDEN_KEY)).toBe(
      '134fa60c3c573120a46dee91fa8923e5a615f36aa56dffe8cdca95bae59405f0',
    );
  });

  it('matches what openssl prints for the same key', () => {
    let der: Buffer;
    try {
      der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], { input: GOLDEN_KEY });
    } catch {
      return; // no openssl here: the golden value above still pins the encoding
    }
    expect(createHash('sha256').update(der).digest('hex')).toBe(serverKeyFingerprint(GOLDEN_KEY));
  });

  it('does not depend on PEM formatting and differs between keys', () => {
    const spaced = GOLDEN_KEY.replace(/\n/g, '\r\n');
    expect(serverKeyFingerprint(spaced)).toBe(serverKeyFingerprint(GOLDEN_KEY));
    expect(serverKeyFingerprint(createPublicKey(GOLDEN_KEY))).toBe(
      serverKeyFingerprint(GOLDEN_KEY),
    );
    expect(serverKeyFingerprint(device.publicKey)).not.toBe(serverKeyFingerprint(server.publicKey));
    expect(() => serverKeyFingerprint('garbage')).toThrow(TypeError);
  });

  it('normalizes what people paste and refuses anything that is not 32 bytes of hex', () => {
    const fp = serverKeyFingerprint(GOLDEN_KEY);
    const colons = fp.toUpperCase().match(/../g)!.join(':');
    expect(normalizeFingerprint(colons)).toBe(fp);
    expect(normalizeFingerprint(`SHA256:${fp}\n`)).toBe(fp);
    for (const bad of ['', fp.slice(2), `${fp}00`, fp.replace(/^./, 'g'), 'sha256:']) {
      expect(normalizeFingerprint(bad)).toBeNull();
    }
  });
});

describe('canonical payloads', () => {
  it('has a fixed, length-prefixed layout (golden bytes)', () => {
    expect(canonicalPayload('ab', ['c', Uint8Array.of(0xff)]).toString('hex')).toBe(
      '00000002' + '6162' + '00000001' + '63' + '00000001' + 'ff',
    );
    const agent = agentAuthPayload({ deviceId: 'd', serverNonce: 'S', agentNonce: 'A' });
    const label = Buffer.from(AGENT_AUTH_CONTEXT).toString('hex');
    expect(agent.toString('hex')).toBe(
      `000000${AGENT_AUTH_CONTEXT.length.toString(16)}${label}` +
        '00000001' +
        '64' +
        '00000001' +
        '53' +
        '00000001' +
        '41',
    );
  });

  it('binds the server payload in the order context, deviceId, agentNonce, serverNonce', () => {
    expect(serverAuthPayload(fields)).toEqual(
      canonicalPayload(SERVER_AUTH_CONTEXT, [
        fields.deviceId,
        fields.agentNonce,
        fields.serverNonce,
      ]),
    );
  });

  it('cannot be confused by shifting bytes between fields', () => {
    const variants = [
      canonicalPayload('ctx', ['ab', 'c']),
      canonicalPayload('ctx', ['a', 'bc']),
      canonicalPayload('ctxa', ['b', 'c']),
      canonicalPayload('ct', ['xab', 'c']),
      canonicalPayload('ctx', ['abc']),
      canonicalPayload('ctx', ['abc', '']),
      canonicalPayload('ctx', ['', 'abc']),
      canonicalPayload('ctx', ['ab', 'c', '']),
    ];
    const distinct = new Set(variants.map((b) => b.toString('hex')));
    expect(distinct.size).toBe(variants.length);
  });

  it('a signature over one split of the fields does not verify another', () => {
    const a = agentAuthPayload({ deviceId: 'dev', serverNonce: 'ice-nonce', agentNonce: 'x' });
    const b = agentAuthPayload({ deviceId: 'device', serverNonce: '-nonce', agentNonce: 'x' });
    const sig = signPayload(device.privateKey, a);
    expect(verifyPayload(device.publicKey, a, sig)).toBe(true);
    expect(verifyPayload(device.publicKey, b, sig)).toBe(false);
  });

  it('separates the agent and server contexts and the nonce roles', () => {
    expect(agentAuthPayload(fields)).not.toEqual(serverAuthPayload(fields));
    const swapped = { ...fields, serverNonce: fields.agentNonce, agentNonce: fields.serverNonce };
    expect(agentAuthPayload(swapped)).not.toEqual(agentAuthPayload(fields));
    // A signature the agent made must not pass as the server's (reflection).
    const agentSig = signPayload(device.privateKey, agentAuthPayload(fields));
    expect(verifyPayload(device.publicKey, serverAuthPayload(fields), agentSig)).toBe(false);
    expect(verifyPayload(device.publicKey, serverAuthPayload(swapped), agentSig)).toBe(false);
  });

  it('refuses strings whose UTF-8 form would be ambiguous', () => {
    expect(() => canonicalPayload('ctx', ['\ud800'])).toThrow(TypeError);
    expect(() => canonicalPayload('ctx', ['\ud83d\ude00'])).not.toThrow();
  });
});

describe('sign and verify', () => {
  const payload = agentAuthPayload(fields);
  const sig = signPayload(device.privateKey, payload);

  it('verifies a good signature with a PEM or a KeyObject', () => {
    expect(base64Bytes(64)(sig).ok).toBe(true);
    expect(verifyPayload(device.publicKey, payload, sig)).toBe(true);
    expect(verifyPayload(createPublicKey(device.publicKey), payload, sig)).toBe(true);
    const viaKeyObject = signPayload(createPrivateKey(device.privateKey), payload);
    expect(verifyPayload(device.publicKey, payload, viaKeyObject)).toBe(true);
  });

  it('rejects a tampered payload, wherever the flipped bit is', () => {
    for (let i = 0; i < payload.length; i += 7) {
      const tampered = Buffer.from(payload);
      tampered[i] ^= 0x01;
      expect(verifyPayload(device.publicKey, tampered, sig)).toBe(false);
    }
    expect(verifyPayload(device.publicKey, payload.subarray(1), sig)).toBe(false);
    expect(verifyPayload(device.publicKey, Buffer.concat([payload, Buffer.of(0)]), sig)).toBe(
      false,
    );
  });

  it('rejects the wrong key', () => {
    expect(verifyPayload(server.publicKey, payload, sig)).toBe(false);
  });

  it('answers the same in the thread pool (verifyPayloadAsync), never rejecting', async () => {
    const tampered = Buffer.from(payload);
    tampered[3] ^= 0x01;
    const cases: [unknown, Uint8Array, unknown][] = [
      [device.publicKey, payload, sig],
      [createPublicKey(device.publicKey), payload, sig],
      [device.publicKey, tampered, sig],
      [server.publicKey, payload, sig],
      [device.publicKey, payload, sig.slice(0, -1)],
      [device.publicKey, payload, null],
      [device.privateKey, payload, sig],
      ['garbage', payload, sig],
    ];
    for (const [key, data, signature] of cases) {
      const want = verifyPayload(key as string, data, signature as string);
      await expect(verifyPayloadAsync(key as string, data, signature as string)).resolves.toBe(
        want,
      );
    }
    await expect(verifyPayloadAsync(device.publicKey, payload, sig)).resolves.toBe(true);
  });

  it('returns false, never throws, on garbage signatures', () => {
    const raw = Buffer.from(sig, 'base64');
    const flipped = Buffer.from(raw);
    flipped[10] ^= 0x80;
    const garbage: unknown[] = [
      '',
      'not base64 at all',
      'A'.repeat(88),
      'A'.repeat(86) + '==',
      sig.slice(0, -1),
      sig + '=',
      sig.slice(0, 84) + '!!==',
      raw.toString('base64url'),
      raw.subarray(0, 63).toString('base64'),
      Buffer.concat([raw, Buffer.of(0)]).toString('base64'),
      flipped.toString('base64'),
      ` ${sig}`,
      null,
      undefined,
      42,
      raw,
    ];
    for (const bad of garbage) {
      expect(verifyPayload(device.publicKey, payload, bad as string)).toBe(false);
    }
  });

  it('returns false, never throws, on garbage keys and payloads', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const badKeys: unknown[] = [
      '',
      'garbage',
      device.privateKey,
      createPrivateKey(device.privateKey),
      rsa.publicKey,
      rsa.publicKey.export({ type: 'spki', format: 'pem' }),
      null,
      undefined,
      {},
      Buffer.from(device.publicKey),
    ];
    for (const key of badKeys) {
      expect(verifyPayload(key as string, payload, sig)).toBe(false);
    }
    const badPayloads: unknown[] = [null, undefined, 'string payload', 42, {}];
    for (const bad of badPayloads) {
      expect(verifyPayload(device.publicKey, bad as Buffer, sig)).toBe(false);
    }
  });

  it('signPayload refuses keys that are not Ed25519 private keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => signPayload(rsa.privateKey, payload)).toThrow(TypeError);
    expect(() => signPayload('garbage', payload)).toThrow();
  });
});

describe('handshake end to end', () => {
  it('agent and server each prove their key over fresh nonces', () => {
    // server → agent
    const serverNonce = newNonce();
    const hello = parseFrame(encodeFrame('hello', { serverNonce, serverTime: Date.now() }), {
      from: 'server',
    });
    if (!hello.ok || hello.message.type !== 'hello') throw new Error('hello did not parse');

    // agent → server
    const agentNonce = newNonce();
    const ids = {
      deviceId: fields.deviceId,
      serverNonce: hello.message.body.serverNonce,
      agentNonce,
    };
    const auth = parseFrame(
      encodeFrame('auth', {
        deviceId: ids.deviceId,
        agentVersion: '0.1.0',
        agentNonce,
        signature: signPayload(device.privateKey, agentAuthPayload(ids)),
      }),
      { from: 'agent' },
    );
    if (!auth.ok || auth.message.type !== 'auth') throw new Error('auth did not parse');

    // The server rebuilds the payload from its own nonce, not one the agent echoes.
    const { body } = auth.message;
    const check = { deviceId: body.deviceId, serverNonce, agentNonce: body.agentNonce };
    expect(verifyPayload(device.publicKey, agentAuthPayload(check), body.signature)).toBe(true);
    // A replay against a later hello fails.
    const replay = { ...check, serverNonce: newNonce() };
    expect(verifyPayload(device.publicKey, agentAuthPayload(replay), body.signature)).toBe(false);

    // server → agent; the agent checks against the pinned server key.
    const ok = parseFrame(
      encodeFrame('auth_ok', {
        deviceId: body.deviceId,
        serverSignature: signPayload(server.privateKey, serverAuthPayload(check)),
        heartbeatIntervalMs: 15_000,
      }),
      { from: 'server' },
    );
    if (!ok.ok || ok.message.type !== 'auth_ok') throw new Error('auth_ok did not parse');
    const sig = ok.message.body.serverSignature;
    expect(verifyPayload(server.publicKey, serverAuthPayload(ids), sig)).toBe(true);
    expect(verifyPayload(device.publicKey, serverAuthPayload(ids), sig)).toBe(false);
  });
});

describe('run signing payload', () => {
  const spec = () => structuredClone(sampleBodies().run.spec);

  it('signs and verifies a run, and any changed field breaks the signature', () => {
    const { publicKey, privateKey } = generateDeviceKeyPair();
    const signature = signPayload(privateKey, runSigningPayload(spec()));
    expect(verifyPayload(publicKey, runSigningPayload(spec()), signature)).toBe(true);
    const tampered: ((s: ReturnType<typeof spec>) => void)[] = [
      (s) => (s.script = 'rm -rf /'),
      (s) => (s.env[0].value = 'other'),
      (s) => s.env.push({ name: 'EXTRA', value: '1' }),
      (s) => (s.args = []),
      (s) => (s.deviceId = '00000000-0000-4000-8000-000000000000'),
      (s) => (s.expiresAt += 1),
      (s) => (s.timeoutMs += 1),
      (s) => (s.language = 'sh'),
      // Unflagging a secret would get its value back unmasked; flagging one hides output.
      (s) => delete s.env[1].secret,
      (s) => (s.env[0].secret = true),
    ];
    for (const change of tampered) {
      const s = spec();
      change(s);
      expect(verifyPayload(publicKey, runSigningPayload(s), signature)).toBe(false);
    }
  });

  it('does not depend on the order of env entries', () => {
    const a = spec();
    a.env = [
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ];
    const b = { ...a, env: [...a.env].reverse() };
    expect(runSigningPayload(a).equals(runSigningPayload(b))).toBe(true);
  });

  it('signs a spec without secrets exactly as before secret flags existed', () => {
    const s = spec();
    s.env = s.env.filter((e) => !e.secret);
    const fields = [
      s.runId,
      s.jobId,
      s.deviceId,
      s.language,
      s.script,
      s.scriptSha256,
      '1',
      'GREETING',
      s.env[0].value,
      String(s.args.length),
      ...s.args,
      String(s.timeoutMs),
      String(s.expiresAt),
      String(s.issuedAt),
      s.nonce,
      String(s.maxOutputBytes),
    ];
    expect(runSigningPayload(s).equals(canonicalPayload('fleetdesk-run-v1', fields))).toBe(true);
  });

  it('cannot be confused with a cancel or a handshake', () => {
    expect(cancelSigningPayload('a', 'b').equals(runSigningPayload(spec()))).toBe(false);
  });
});

describe('newNonces', () => {
  it('gives distinct nonces of NONCE_BYTES each, in one go', () => {
    const nonces = newNonces(500);
    expect(nonces).toHaveLength(500);
    expect(new Set(nonces).size).toBe(500);
    for (const nonce of nonces) expect(base64Bytes(NONCE_BYTES)(nonce).ok).toBe(true);
    expect(newNonces(0)).toEqual([]);
  });
});

describe('batch-signed runs', () => {
  const spec = sampleBodies().run.spec;
  const specFor = (i: number) => ({
    ...spec,
    runId: `6e1d9b4f-3a82-4c0f-b7d5-${String(i).padStart(12, '0')}`,
  });
  const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

  it('hashes a leaf as SHA-256(0x00 ‖ the run signing payload), apart from inner nodes', () => {
    expect(runLeafHash(spec)).toEqual(sha(Buffer.from([0]), runSigningPayload(spec)));
    expect(runLeafOfPayload(runSigningPayload(spec))).toEqual(runLeafHash(spec));
  });

  it('is the RFC 9162 tree: pairs left to right, an odd last node moves up', () => {
    const [a, b, c] = [0, 1, 2].map((i) => runLeafHash(specFor(i))) as [Buffer, Buffer, Buffer];
    const node = (l: Buffer, r: Buffer) => sha(Buffer.from([1]), l, r);
    expect(runBatchTree([a]).root).toEqual(a);
    expect(runBatchTree([a]).paths).toEqual([[]]);
    expect(runBatchTree([a, b, c]).root).toEqual(node(node(a, b), c));
    expect(runBatchTree([a, b, c]).paths[2]).toEqual([node(a, b).toString('base64')]);
    expect(() => runBatchTree([])).toThrow(RangeError);
  });

  it('every leaf of every size up to 70 hashes to the root, and only at its own place', () => {
    for (let size = 1; size <= 70; size++) {
      const leaves = Array.from({ length: size }, (_, i) => runLeafHash(specFor(i)));
      const { root, paths } = runBatchTree(leaves);
      leaves.forEach((leaf, i) => {
        const path = paths[i] as string[];
        expect(path.length).toBeLessThanOrEqual(Math.ceil(Math.log2(size)));
        expect(runBatchRoot(leaf, i, size, path)).toEqual(root);
        // Another leaf, another position, a path cut short or padded: never the root.
        const other = leaves[(i + 1) % size] as Buffer;
        if (size > 1) expect(runBatchRoot(other, i, size, path)).not.toEqual(root);
        if (size > 1) expect(runBatchRoot(leaf, (i + 1) % size, size, path)).not.toEqual(root);
        expect(runBatchRoot(leaf, i, size, [...path, path[0] ?? 'A'.repeat(43) + '='])).toBeNull();
        if (path.length > 0) expect(runBatchRoot(leaf, i, size, path.slice(1))).toBeNull();
      });
    }
  });

  it('refuses positions outside the batch and malformed hashes', () => {
    const leaf = runLeafHash(spec);
    expect(runBatchRoot(leaf, 1, 1, [])).toBeNull();
    expect(runBatchRoot(leaf, -1, 2, [])).toBeNull();
    expect(runBatchRoot(leaf, 0.5, 2, [])).toBeNull();
    expect(runBatchRoot(leaf, 0, 2, ['not base64'])).toBeNull();
    expect(runBatchRoot(leaf, 0, 2, [Buffer.alloc(31).toString('base64')])).toBeNull();
  });

  it('remembers verified batch signatures without ever accepting more than it would', () => {
    const specs = [0, 1, 2].map(specFor);
    const tree = runBatchTree(specs.map(runLeafHash));
    const signature = signPayload(server.privateKey, runBatchSigningPayload(tree.root, 3));
    const body = (i: number) => ({
      spec: specs[i]!,
      signature,
      batch: { index: i, size: 3, path: tree.paths[i]! },
    });
    const verified = new Set<string>();
    expect(verifyRunSignature(server.publicKey, body(0), undefined, verified)).toBe(true);
    expect(verified.size).toBe(1);
    expect(verifyRunSignature(server.publicKey, body(1), undefined, verified)).toBe(true);
    expect(verified.size).toBe(1);
    // The run's own path is still checked, and another signature is still verified.
    const moved = {
      ...body(2),
      spec: { ...specs[2]!, deviceId: '00000000-0000-4000-8000-000000000000' },
    };
    expect(verifyRunSignature(server.publicKey, moved, undefined, verified)).toBe(false);
    const forged = { ...body(2), signature: signPayload(device.privateKey, Buffer.from('x')) };
    expect(verifyRunSignature(server.publicKey, forged, undefined, verified)).toBe(false);
    expect(verified.size).toBe(1);
    expect(verifyRunSignature(device.publicKey, body(2))).toBe(false);
  });

  it('signs the root under its own context, so no single-run signature passes for it', () => {
    const root = runBatchTree([runLeafHash(spec)]).root;
    const payload = runBatchSigningPayload(root, 1);
    expect(payload).toEqual(canonicalPayload(RUN_BATCH_CONTEXT, [root, '1']));
    const signature = signPayload(server.privateKey, runSigningPayload(spec));
    expect(verifyPayload(server.publicKey, payload, signature)).toBe(false);
    // The batch size is signed too: the same root claimed for another size fails.
    const batchSig = signPayload(server.privateKey, payload);
    expect(verifyPayload(server.publicKey, runBatchSigningPayload(root, 2), batchSig)).toBe(false);
  });
});

describe('action run and agent build payloads', () => {
  const spec = () =>
    structuredClone(sampleBodies().run_action.spec) as ActionRunSpec & {
      action: AgentUpdateAction;
    };

  it('signs every field of an agent update, so changing any breaks the signature', () => {
    const signature = signPayload(server.privateKey, actionRunSigningPayload(spec()));
    expect(verifyPayload(server.publicKey, actionRunSigningPayload(spec()), signature)).toBe(true);
    const edits: ((s: ReturnType<typeof spec>) => void)[] = [
      (s) => (s.deviceId = '00000000-0000-4000-8000-000000000000'),
      (s) => (s.expiresAt += 1),
      (s) => (s.action.version = '9.9.9'),
      (s) => (s.action.trialTimeoutMs += 1),
      (s) => (s.action.builds[0].sha256 = 'c'.repeat(64)),
      (s) => (s.action.builds[0].size += 1),
      (s) => (s.action.builds[0].platform = 'win-x64'),
      (s) => s.action.builds.push({ ...s.action.builds[0], platform: 'darwin-x64' }),
    ];
    for (const edit of edits) {
      const changed = spec();
      edit(changed);
      expect(verifyPayload(server.publicKey, actionRunSigningPayload(changed), signature)).toBe(
        false,
      );
    }
  });

  it('is never the same bytes as a script run or another purpose', () => {
    expect(actionRunSigningPayload(spec()).equals(runSigningPayload(sampleBodies().run.spec))).toBe(
      false,
    );
  });

  it('signs a build as (platform, version, sha256) under its own context', () => {
    const build = { platform: 'linux-x64', version: '0.2.0', sha256: 'd'.repeat(64) };
    expect(agentBuildSigningPayload(build)).toEqual(
      canonicalPayload(AGENT_BUILD_CONTEXT, ['linux-x64', '0.2.0', 'd'.repeat(64)]),
    );
    const signature = signPayload(server.privateKey, agentBuildSigningPayload(build));
    for (const other of [
      { ...build, platform: 'win-x64' },
      { ...build, version: '0.2.1' },
      { ...build, sha256: 'e'.repeat(64) },
    ]) {
      expect(verifyPayload(server.publicKey, agentBuildSigningPayload(other), signature)).toBe(
        false,
      );
    }
  });
});

describe('checksSigningPayload', () => {
  const { privateKey, publicKey } = generateDeviceKeyPair();
  const body = {
    deviceId: '3f2b8c1e-9a4d-4f6b-8e2a-1c5d7e9f0a1b',
    issuedAt: 1_732_450_000_000,
    summaryIntervalMs: 60_000,
    checks: [
      {
        id: '5a1c2e3f-4b5d-4c6e-8f70-8192a3b4c5d6',
        kind: 'script' as const,
        language: 'bash' as const,
        script: 'echo OK',
        intervalMs: 60_000,
        timeoutMs: 30_000,
        durationMs: 0,
      },
    ],
  };
  const signature = signPayload(privateKey, checksSigningPayload(body));

  it('verifies the set it was made for', () => {
    expect(verifyPayload(publicKey, checksSigningPayload(body), signature)).toBe(true);
  });

  it.each([
    ['another device', { ...body, deviceId: '3f2b8c1e-9a4d-4f6b-8e2a-1c5d7e9f0a1c' }],
    ['another time', { ...body, issuedAt: body.issuedAt + 1 }],
    ['a changed script', { ...body, checks: [{ ...body.checks[0], script: 'rm -rf /' }] }],
    [
      'a field moved',
      { ...body, checks: [{ ...body.checks[0], mount: 'echo OK', script: undefined }] },
    ],
    ['a check dropped', { ...body, checks: [] }],
  ])('breaks for %s', (_name, changed) => {
    expect(verifyPayload(publicKey, checksSigningPayload(changed), signature)).toBe(false);
  });
});
