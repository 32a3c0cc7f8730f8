import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { generateDeviceKeyPair, signPayload } from '@fleetdesk/protocol';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { DataSource } from 'typeorm';
import { serverKeyFingerprint } from '@fleetdesk/protocol';
import { ServerKeyEntity } from './server-key.entity';

/**
 * The server's Ed25519 identity. Agents pin its public key at enrollment and refuse any
 * handshake or job not signed with it. It lives in the database so every replica signs with
 * the same key; the first node to start creates it.
 */
@Injectable()
export class ServerKeysService implements OnApplicationBootstrap {
  private publicPem?: string;
  private privateKey?: KeyObject;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.load();
  }

  get publicKeyPem(): string {
    if (!this.publicPem) throw new Error('server key not loaded yet');
    return this.publicPem;
  }

  /** What an operator passes to `enroll --server-key-sha256`; see serverKeyFingerprint. */
  get publicKeyFingerprint(): string {
    return serverKeyFingerprint(this.publicKeyPem);
  }

  sign(payload: Uint8Array): string {
    if (!this.privateKey) throw new Error('server key not loaded yet');
    return signPayload(this.privateKey, payload);
  }

  private async load(): Promise<void> {
    const pair = generateDeviceKeyPair();
    // Racing replicas each propose a key; exactly one insert wins and all read the winner.
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(ServerKeyEntity)
      .values({ id: 1, publicKey: pair.publicKey, privateKey: pair.privateKey })
      .orIgnore()
      .execute();
    const row = await this.dataSource.getRepository(ServerKeyEntity).findOneByOrFail({ id: 1 });
    this.publicPem = row.publicKey;
    this.privateKey = createPrivateKey(row.privateKey);
  }
}
