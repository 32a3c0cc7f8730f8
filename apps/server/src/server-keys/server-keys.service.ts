import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { generateDeviceKeyPair, serverKeyFingerprint, signPayload } from '@fleetdesk/protocol';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SecretBox } from '../secrets/secret-box';
import { ServerKeyEntity } from './server-key.entity';

/** Binds the sealed private key to its row and column. */
const PRIVATE_KEY_AAD = 'server_key:1:private_key';

/**
 * The server's Ed25519 identity. Agents pin its public key at enrollment and refuse any
 * handshake or job not signed with it. It lives in the database so every replica signs with
 * the same key; the first node to start creates it.
 */
@Injectable()
export class ServerKeysService implements OnApplicationBootstrap {
  private publicPem?: string;
  private privateKey?: KeyObject;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly box: SecretBox,
  ) {}

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
      .values({
        id: 1,
        publicKey: pair.publicKey,
        privateKey: this.box.seal(pair.privateKey, PRIVATE_KEY_AAD),
      })
      .orIgnore()
      .execute();
    const row = await this.dataSource.getRepository(ServerKeyEntity).findOneByOrFail({ id: 1 });
    let pem = row.privateKey;
    if (SecretBox.isSealed(pem)) {
      pem = this.box.open(pem, PRIVATE_KEY_AAD);
    } else {
      // Written before keys were sealed: seal it now. Guarded by the old value, so replicas
      // starting together seal it once and none overwrites another's envelope.
      await this.dataSource.query(
        `UPDATE server_key SET private_key = $1 WHERE id = 1 AND private_key = $2`,
        [this.box.seal(pem, PRIVATE_KEY_AAD), pem],
      );
    }
    this.publicPem = row.publicKey;
    this.privateKey = createPrivateKey(pem);
  }
}
