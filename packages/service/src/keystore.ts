// The provider's key at rest: an Ethereum v3 keystore (scrypt, AES-128-CTR, keccak MAC), the format geth,
// Foundry (`cast wallet import`) and most wallets read and write, so keys move between tools unchanged.
// The key never appears in a log line or an error message.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { AgoraError, errorCodes } from '@agora/errors';
import { ctr } from '@noble/ciphers/aes.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import { type Hex } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { z } from 'zod';

const hexString = z.string().regex(/^(0x)?[0-9a-fA-F]*$/, 'expected hex');

const keystoreSchema = z.object({
  version: z.literal(3),
  address: z.string().optional(),
  crypto: z.object({
    cipher: z.literal('aes-128-ctr'),
    ciphertext: hexString,
    cipherparams: z.object({ iv: hexString }),
    kdf: z.literal('scrypt'),
    kdfparams: z.object({
      n: z.number().int().positive(),
      r: z.number().int().positive(),
      p: z.number().int().positive(),
      dklen: z.literal(32),
      salt: hexString,
    }),
    mac: hexString,
  }),
});

export type KeystoreFile = z.infer<typeof keystoreSchema>;

const strip = (hex: string): string => hex.replace(/^0x/, '');

/** scrypt cost; 2^18 is what geth uses. Tests pass a small value. */
export type KeystoreOptions = { scryptN?: number };

/**
 * Encrypts `privateKey` with `password` into v3 keystore JSON and writes it to `file` (atomically, mode 0600).
 * @returns the account address
 */
export async function writeKeystore(
  file: string,
  privateKey: Hex,
  password: string,
  options: KeystoreOptions = {},
): Promise<Hex> {
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const n = options.scryptN ?? 262_144;
  const derived = await scryptAsync(new TextEncoder().encode(password), salt, { N: n, r: 8, p: 1, dkLen: 32 });
  const ciphertext = ctr(derived.subarray(0, 16), iv).encrypt(hexToBytes(strip(privateKey)));
  const mac = keccak_256(new Uint8Array([...derived.subarray(16, 32), ...ciphertext]));
  const address = privateKeyToAddress(privateKey);
  const keystore: KeystoreFile = {
    version: 3,
    address: strip(address).toLowerCase(),
    crypto: {
      cipher: 'aes-128-ctr',
      ciphertext: bytesToHex(ciphertext),
      cipherparams: { iv: bytesToHex(iv) },
      kdf: 'scrypt',
      kdfparams: { n, r: 8, p: 1, dklen: 32, salt: bytesToHex(salt) },
      mac: bytesToHex(mac),
    },
  };
  const temporary = `${file}.tmp`;
  await writeFile(temporary, `${JSON.stringify(keystore, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
  return address;
}

/**
 * Reads and decrypts a v3 keystore.
 * @throws AgoraError KEYSTORE_INVALID for a file that is not a v3 scrypt keystore, KEYSTORE_WRONG_PASSWORD when the MAC does not match
 */
export async function readKeystore(file: string, password: string): Promise<{ privateKey: Hex; address: Hex }> {
  let parsed: KeystoreFile;
  try {
    parsed = keystoreSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch (error) {
    throw new AgoraError(errorCodes.KEYSTORE_INVALID, `${file} is not a readable v3 keystore (scrypt, aes-128-ctr).`, {
      details:
        error instanceof z.ZodError
          ? error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')
          : (error as Error).message,
    });
  }
  const { kdfparams, ciphertext, cipherparams, mac } = parsed.crypto;
  const derived = await scryptAsync(new TextEncoder().encode(password), hexToBytes(strip(kdfparams.salt)), {
    N: kdfparams.n,
    r: kdfparams.r,
    p: kdfparams.p,
    dkLen: 32,
    maxmem: 2 ** 31,
  });
  const encrypted = hexToBytes(strip(ciphertext));
  const expectedMac = keccak_256(new Uint8Array([...derived.subarray(16, 32), ...encrypted]));
  if (bytesToHex(expectedMac) !== strip(mac).toLowerCase()) {
    throw new AgoraError(errorCodes.KEYSTORE_WRONG_PASSWORD, `The password does not open ${file}.`);
  }
  const privateKey: Hex = `0x${bytesToHex(ctr(derived.subarray(0, 16), hexToBytes(strip(cipherparams.iv))).decrypt(encrypted))}`;
  return { privateKey, address: privateKeyToAddress(privateKey) };
}
