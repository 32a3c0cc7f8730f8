import type { MessageBodies, MessageType } from '../messages';

/** One valid body per message type, touching every field (optional ones included). */
export function sampleBodies(): { [K in MessageType]: MessageBodies[K] } {
  const deviceId = '3f2b8c1e-9a4d-4f6b-8e2a-1c5d7e9f0a1b';
  return {
    hello: { serverNonce: 'A'.repeat(43) + '=', serverTime: 1_732_450_000_000 },
    auth: {
      deviceId,
      agentVersion: '0.1.0-beta.1+build.7',
      agentNonce: Buffer.alloc(32, 7).toString('base64'),
      signature: Buffer.alloc(64, 9).toString('base64'),
      trial: true,
    },
    auth_ok: {
      deviceId,
      serverSignature: Buffer.alloc(64, 3).toString('base64'),
      heartbeatIntervalMs: 30_000,
    },
    heartbeat: {
      cpuPercent: 12.5,
      memory: { totalBytes: 16_000_000_000, usedBytes: 9_500_000_000 },
      disks: [
        { mount: '/', totalBytes: 500_000_000_000, usedBytes: 120_000_000_000 },
        { mount: 'C:\\', totalBytes: 1, usedBytes: 0 },
      ],
      load: [0.42, 0.5, 0.61],
      uptimeSeconds: 86_400.5,
    },
    inventory: {
      os: {
        platform: 'linux',
        distro: 'Ubuntu 24.04.1 LTS',
        release: '24.04',
        kernel: '6.8.0-49-generic',
        arch: 'x64',
      },
      hostname: 'build-01.example.internal',
      cpu: { model: 'AMD EPYC 7763 64-Core Processor', cores: 8 },
      memoryBytes: 16_000_000_000,
      disks: [{ device: '/dev/nvme0n1p2', mount: '/', fsType: 'ext4', sizeBytes: 500_000_000_000 }],
      network: [
        {
          name: 'eth0',
          mac: '02:42:ac:11:00:02',
          ipv4: ['172.17.0.2'],
          ipv6: ['fe80::42:acff:fe11:2', '2001:db8::1'],
        },
        { name: 'lo', mac: '00:00:00:00:00:00', ipv4: ['127.0.0.1'], ipv6: ['::1'] },
      ],
      users: [{ name: 'alice', tty: 'pts/0', loginAt: 1_732_440_000_000 }, { name: 'svc-backup' }],
      software: [
        { name: 'openssl', version: '3.0.13-0ubuntu3.4', source: 'dpkg' },
        { name: 'Microsoft Edge', version: '', source: 'winget' },
        { name: 'ünïcødé-tool', version: '1.0', source: 'other' },
      ],
      collectedAt: 1_732_450_000_000,
    },
    ack: { ackId: '5d0c8a3e-2f71-4b9e-a6c4-0d8e1f2a3b4c' },
    run: {
      spec: {
        runId: '6e1d9b4f-3a82-4c0f-b7d5-1e9f2a3b4c5d',
        jobId: '7f2e0c5a-4b93-4d1a-88e6-2f0a3b4c5d6e',
        deviceId,
        language: 'bash',
        script: 'echo "$GREETING"',
        scriptSha256: 'a'.repeat(64),
        env: [
          { name: 'GREETING', value: 'hello; $(rm -rf /)' },
          { name: 'API_TOKEN', value: 'tok-123456', secret: true },
        ],
        args: ['--verbose'],
        timeoutMs: 60_000,
        expiresAt: 1_732_450_600_000,
        issuedAt: 1_732_450_000_000,
        nonce: Buffer.alloc(32, 5).toString('base64'),
        maxOutputBytes: 10 * 1024 * 1024,
      },
      signature: Buffer.alloc(64, 4).toString('base64'),
      batch: {
        index: 2,
        size: 3,
        path: [Buffer.alloc(32, 8).toString('base64')],
      },
    },
    run_action: {
      spec: {
        runId: '6e1d9b4f-3a82-4c0f-b7d5-1e9f2a3b4c5d',
        jobId: '7f2e0c5a-4b93-4d1a-88e6-2f0a3b4c5d6e',
        deviceId,
        action: {
          kind: 'agent_update',
          version: '0.2.0',
          trialTimeoutMs: 60_000,
          builds: [
            {
              platform: 'linux-x64',
              version: '0.2.0',
              sha256: 'b'.repeat(64),
              size: 120_000_000,
              signature: Buffer.alloc(64, 2).toString('base64'),
            },
          ],
        },
        timeoutMs: 900_000,
        expiresAt: 1_732_450_600_000,
        issuedAt: 1_732_450_000_000,
        nonce: Buffer.alloc(32, 5).toString('base64'),
      },
      signature: Buffer.alloc(64, 4).toString('base64'),
    },
    cancel: {
      runId: '6e1d9b4f-3a82-4c0f-b7d5-1e9f2a3b4c5d',
      deviceId,
      signature: Buffer.alloc(64, 6).toString('base64'),
    },
    result_ack: { runId: '6e1d9b4f-3a82-4c0f-b7d5-1e9f2a3b4c5d' },
    results_ack: {
      runIds: ['6e1d9b4f-3a82-4c0f-b7d5-1e9f2a3b4c5d', '7f2e0c5a-4b93-4d1a-88e6-2f0a3b4c5d6e'],
    },
    run_accepted: { runId: '6e1d9b4f-3a82-4c0f-b7d5-1e9f2a3b4c5d', startedAt: 1_732_450_000_500 },
    run_rejected: {
      runId: '6e1d9b4f-3a82-4c0f-b7d5-1e9f2a3b4c5d',
      reason: 'expired',
      message: 'expired',
    },
    output: {
      runId: '6e1d9b4f-3a82-4c0f-b7d5-1e9f2a3b4c5d',
      seq: 0,
      stream: 'stdout',
      data: 'hello\n',
    },
    result: {
      runId: '6e1d9b4f-3a82-4c0f-b7d5-1e9f2a3b4c5d',
      outcome: 'failed',
      exitCode: 3,
      signal: 'SIGTERM',
      startedAt: 1_732_450_000_500,
      finishedAt: 1_732_450_001_500,
      lastSeq: 0,
      outputBytes: 6,
      truncated: false,
      error: 'exit code 3',
      output: [{ seq: 0, stream: 'stdout', data: 'hello\n' }],
    },
    checks: {
      deviceId,
      issuedAt: 1_732_450_000_000,
      summaryIntervalMs: 300_000,
      checks: [
        {
          id: '5a1c2e3f-4b5d-4c6e-8f70-8192a3b4c5d6',
          kind: 'disk',
          thresholdPercent: 90,
          mount: '/',
          service: 'ssh',
          process: 'sshd',
          host: 'example.com',
          port: 443,
          language: 'bash',
          script: 'echo OK',
          intervalMs: 60_000,
          timeoutMs: 30_000,
          durationMs: 300_000,
        },
      ],
      signature: Buffer.alloc(64, 5).toString('base64'),
    },
    check_results: {
      results: [
        {
          checkId: '5a1c2e3f-4b5d-4c6e-8f70-8192a3b4c5d6',
          status: 'critical',
          message: 'disk / is 93 % used (threshold 90 %)',
          value: 93,
          at: 1_732_450_000_000,
        },
      ],
    },
    follow_start: {
      followId: '7c1d2e3f-4a5b-4c6d-8e7f-9012a3b4c5d6',
      deviceId,
      source: { type: 'file', path: '/var/log/nginx/access.log' },
      lastLines: 50,
      linesPerSecond: 200,
      bytesPerSecond: 131_072,
      keepaliveTimeoutMs: 60_000,
      allow: ['/var/log/**'],
      deny: ['**/*.key'],
      issuedAt: 1_732_450_000_000,
      expiresAt: 1_732_450_060_000,
      nonce: Buffer.alloc(32, 4).toString('base64'),
      signature: Buffer.alloc(64, 6).toString('base64'),
    },
    follow_stop: {
      followId: '7c1d2e3f-4a5b-4c6d-8e7f-9012a3b4c5d6',
      deviceId,
      signature: Buffer.alloc(64, 7).toString('base64'),
    },
    follow_keepalive: {
      deviceId,
      followIds: ['7c1d2e3f-4a5b-4c6d-8e7f-9012a3b4c5d6'],
      issuedAt: 1_732_450_000_000,
      signature: Buffer.alloc(64, 8).toString('base64'),
    },
    follow_status: {
      followId: '7c1d2e3f-4a5b-4c6d-8e7f-9012a3b4c5d6',
      state: 'ended',
      reason: 'denied',
      message: '/etc/shadow matches deny /etc/shadow',
      realPath: '/etc/shadow',
    },
    follow_lines: {
      followId: '7c1d2e3f-4a5b-4c6d-8e7f-9012a3b4c5d6',
      seq: 3,
      lines: ['127.0.0.1 - - "GET / HTTP/1.1" 200', ''],
      skippedLines: 12,
      skippedBytes: 4096,
      notice: 'the file was truncated; reading from its start',
    },
    list_dir: {
      requestId: '7b2e4c1a-9d3f-4e5a-8b6c-0d1e2f3a4b5c',
      deviceId,
      path: '/var/log',
      maxEntries: 1000,
      allow: ['/var/log/**'],
      deny: ['**/*.key'],
      issuedAt: 1_732_450_000_000,
      expiresAt: 1_732_450_030_000,
      signature: Buffer.alloc(64, 6).toString('base64'),
    },
    dir_listing: {
      requestId: '7b2e4c1a-9d3f-4e5a-8b6c-0d1e2f3a4b5c',
      path: '/var/log',
      entries: [
        { name: 'nginx', type: 'dir', size: 4096, mtime: 1_732_450_000_000, mode: 0o40755 },
        { name: 'syslog', type: 'file', size: 1234, mtime: 1_732_450_000_000, mode: 0o100640 },
        { name: 'server.key', type: 'file', refused: 'denied' },
      ],
      total: 4,
      truncated: true,
    },
    web_checks: {
      deviceId,
      issuedAt: 1_732_450_000_000,
      checks: [
        {
          id: '6b2d3f40-5c6e-4d7f-8a81-92a3b4c5d6e7',
          url: 'https://intranet.example.internal/health',
          expectedStatus: 200,
          latencyLimitMs: 2000,
          bodyContains: 'ok',
          redirectPolicy: 'follow',
          maxRedirects: 5,
          certWarnDays: 14,
          intervalMs: 60_000,
          timeoutMs: 10_000,
        },
      ],
      signature: Buffer.alloc(64, 7).toString('base64'),
    },
    web_check_results: {
      results: [
        {
          checkId: '6b2d3f40-5c6e-4d7f-8a81-92a3b4c5d6e7',
          at: 1_732_450_000_000,
          outcome: 'critical',
          statusCode: 500,
          latencyMs: 12,
          certExpiresAt: 1_740_000_000_000,
          message: 'HTTP 500 (expected 200)',
        },
      ],
    },
    log_manifest: {
      runId: '6e1d9b4f-3a82-4c0f-b7d5-1e9f2a3b4c5d',
      manifest: {
        runId: '6e1d9b4f-3a82-4c0f-b7d5-1e9f2a3b4c5d',
        files: [
          {
            index: 0,
            source: 0,
            path: '/var/log/syslog',
            realPath: '/var/log/syslog',
            size: 300_000,
            sha256: 'b'.repeat(64),
            chunks: 2,
            truncated: false,
            lines: 4000,
          },
        ],
        refused: [
          { source: 1, path: '/etc/shadow', reason: 'denied', message: 'denied by the policy' },
        ],
        collectedAt: 1_732_450_000_000,
      },
    },
    log_upload_state: {
      refId: 'c'.repeat(16),
      complete: false,
      files: [{ index: 0, nextSeq: 1 }],
      chunksPerRequest: 4,
    },
    log_chunk_ack: { refId: 'd'.repeat(16), nextSeq: 2, complete: true },
    error: { code: 'UNEXPECTED_MESSAGE', message: 'heartbeat before auth', refId: 'a'.repeat(16) },
  };
}

/** A JSON frame with a hand-set envelope, for tests that need frames encodeFrame refuses. */
export function rawFrame(envelope: Record<string, unknown>): string {
  return JSON.stringify({
    v: 1,
    type: 'ack',
    id: '0123456789abcdef',
    ts: 1_732_450_000_000,
    body: { ackId: 'fedcba9876543210' },
    ...envelope,
  });
}

/** Deterministic PRNG (mulberry32) so a failing fuzz case can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
