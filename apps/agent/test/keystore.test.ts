import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { errorCodes } from '@agora/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKeystore, writeKeystore } from '../src/index.js';

const key = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318' as const;

describe('keystore', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'agora-keystore-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('round-trips a key through a v3 keystore readable only by its owner', async () => {
    const file = path.join(directory, 'provider.json');
    const address = await writeKeystore(file, key, 'correct horse', { scryptN: 1024 });
    expect(address).toBe('0x2c7536E3605D9C16a7a3D7b1898e529396a65c23');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readKeystore(file, 'correct horse')).toEqual({ privateKey: key, address });
  });

  it('opens the scrypt test vector of the Web3 Secret Storage definition', async () => {
    const file = path.join(directory, 'vector.json');
    await writeFile(
      file,
      JSON.stringify({
        crypto: {
          cipher: 'aes-128-ctr',
          cipherparams: { iv: '83dbcc02d8ccb40e466191a123791e0e' },
          ciphertext: 'd172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c',
          kdf: 'scrypt',
          kdfparams: {
            dklen: 32,
            n: 262144,
            p: 8,
            r: 1,
            salt: 'ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19',
          },
          mac: '2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097',
        },
        id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
        version: 3,
      }),
    );
    const { privateKey } = await readKeystore(file, 'testpassword');
    expect(privateKey).toBe('0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d');
  });

  it('refuses a wrong password and a file that is not a keystore, without showing the key', async () => {
    const file = path.join(directory, 'provider2.json');
    await writeKeystore(file, key, 'right', { scryptN: 1024 });
    const wrong = await readKeystore(file, 'wrong').catch((error: unknown) => error);
    expect(wrong).toMatchObject({ code: errorCodes.KEYSTORE_WRONG_PASSWORD });
    expect(String((wrong as Error).message)).not.toContain(key.slice(2));
    const notKeystore = path.join(directory, 'notes.json');
    await writeFile(notKeystore, '{"hello":"world"}');
    await expect(readKeystore(notKeystore, 'right')).rejects.toMatchObject({ code: errorCodes.KEYSTORE_INVALID });
  });
});
