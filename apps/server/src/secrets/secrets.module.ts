import { Global, Logger, Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { SecretBox } from './secret-box';
import { createKeyFile, keyFilePath, readKeyFile, SecretKeyError } from './secret-key';

/**
 * Finds the key that encrypts this database's secrets and checks it is the right one before
 * anything is read or written with it: FLEETDESK_SECRET_KEY, else DATA_DIR/secret.key, made
 * at first start. The database records the id of the key its secrets are sealed with, so a
 * missing or different key stops the server with words instead of failing later, row by row,
 * or silently sealing new secrets with a second key.
 */
export async function openSecretBox(config: AppConfig, dataSource: DataSource): Promise<SecretBox> {
  const path = keyFilePath(config.dataDir);
  const source = config.secretKey ? 'FLEETDESK_SECRET_KEY' : `the key file ${path}`;
  const recorded = async () =>
    (await dataSource.query<{ key_id: string }[]>(`SELECT key_id FROM secret_key WHERE id = 1`))[0]
      ?.key_id;
  let key = config.secretKey ?? (await readKeyFile(path));
  if (!key) {
    const expected = await recorded();
    if (expected) {
      throw new SecretKeyError(
        `this database's secrets are encrypted with key ${expected}, but there is no key: set FLEETDESK_SECRET_KEY or restore ${path} from your backup`,
      );
    }
    key = await createKeyFile(path);
    new Logger('Secrets').warn(`Created the secret key file ${path}: back it up`);
  }
  const box = new SecretBox(key);
  // Racing first starts: one id is recorded, and a process holding another key stops here.
  await dataSource.query(
    `INSERT INTO secret_key (id, key_id) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`,
    [box.keyId],
  );
  const expected = await recorded();
  if (expected !== box.keyId) {
    throw new SecretKeyError(
      `the secret key from ${source} (key id ${box.keyId}) is not the one this database's secrets are encrypted with (key id ${expected}): use the original key`,
    );
  }
  return box;
}

/** The one SecretBox every feature seals and opens its secrets with. */
@Global()
@Module({
  providers: [
    {
      provide: SecretBox,
      inject: [APP_CONFIG, getDataSourceToken()],
      useFactory: openSecretBox,
    },
  ],
  exports: [SecretBox],
})
export class SecretsModule {}
