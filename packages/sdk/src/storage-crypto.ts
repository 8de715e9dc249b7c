// Client-side encryption of stored files: XChaCha20-Poly1305 (@noble/ciphers) over 1 MiB chunks, so a provider
// holds only ciphertext and a reader learns which chunk was altered. Each chunk's nonce is the file's random base
// nonce with the chunk index folded in, and its associated data binds the header, its index and whether it is the
// last, so chunks cannot be reordered, dropped or the file cut short without the tag check failing.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { randomBytes } from '@noble/ciphers/utils.js';

import { AgoraError, errorCodes } from './errors.js';

const MAGIC = [0x41, 0x47, 0x53, 0x01]; // "AGS" v1
export const ENCRYPTION_CHUNK_SIZE = 1 << 20;
const HEADER_SIZE = 4 + 4 + 24;
const TAG_SIZE = 16;

export function generateStorageKey(): Uint8Array {
  return randomBytes(32);
}

/** Whether `bytes` start like a file `encryptFile` wrote. */
export function isEncryptedFile(bytes: Uint8Array): boolean {
  return bytes.length >= HEADER_SIZE + TAG_SIZE && MAGIC.every((byte, i) => bytes[i] === byte);
}

function chunkNonce(base: Uint8Array, index: number): Uint8Array {
  const nonce = base.slice();
  const view = new DataView(nonce.buffer, nonce.byteOffset, nonce.byteLength);
  view.setUint32(20, view.getUint32(20) ^ index);
  return nonce;
}

function associatedData(header: Uint8Array, index: number, last: boolean): Uint8Array {
  const aad = new Uint8Array(header.length + 5);
  aad.set(header);
  new DataView(aad.buffer).setUint32(header.length, index);
  aad[header.length + 4] = last ? 1 : 0;
  return aad;
}

/** Encrypts `plaintext` with a 32-byte key: header, then each chunk's ciphertext and tag. */
export function encryptFile(plaintext: Uint8Array, key: Uint8Array): Uint8Array {
  if (key.length !== 32) throw new AgoraError(errorCodes.INVALID_ARGUMENT, 'A storage key is 32 bytes.');
  const header = new Uint8Array(HEADER_SIZE);
  header.set(MAGIC);
  new DataView(header.buffer).setUint32(4, ENCRYPTION_CHUNK_SIZE);
  const base = randomBytes(24);
  header.set(base, 8);
  const chunks = Math.max(1, Math.ceil(plaintext.length / ENCRYPTION_CHUNK_SIZE));
  const out = new Uint8Array(HEADER_SIZE + plaintext.length + chunks * TAG_SIZE);
  out.set(header);
  let offset = HEADER_SIZE;
  for (let i = 0; i < chunks; i++) {
    const chunk = plaintext.subarray(i * ENCRYPTION_CHUNK_SIZE, (i + 1) * ENCRYPTION_CHUNK_SIZE);
    const sealed = xchacha20poly1305(key, chunkNonce(base, i), associatedData(header, i, i === chunks - 1)).encrypt(
      chunk,
    );
    out.set(sealed, offset);
    offset += sealed.length;
  }
  return out;
}

/**
 * Decrypts what `encryptFile` wrote.
 * @throws AgoraError STORAGE_DECRYPT_FAILED naming the chunk that does not authenticate (a wrong key fails chunk 0)
 */
export function decryptFile(sealed: Uint8Array, key: Uint8Array): Uint8Array {
  if (!isEncryptedFile(sealed)) {
    throw new AgoraError(errorCodes.STORAGE_DECRYPT_FAILED, 'The data is not an Agora encrypted file (no header).');
  }
  const header = sealed.subarray(0, HEADER_SIZE);
  const chunkSize = new DataView(header.buffer, header.byteOffset).getUint32(4);
  const base = header.subarray(8, 32);
  const sealedChunk = chunkSize + TAG_SIZE;
  const body = sealed.subarray(HEADER_SIZE);
  const chunks = Math.max(1, Math.ceil(body.length / sealedChunk));
  const out = new Uint8Array(body.length - chunks * TAG_SIZE);
  for (let i = 0; i < chunks; i++) {
    const part = body.subarray(i * sealedChunk, (i + 1) * sealedChunk);
    try {
      const plain = xchacha20poly1305(key, chunkNonce(base, i), associatedData(header, i, i === chunks - 1)).decrypt(
        part,
      );
      out.set(plain, i * chunkSize);
    } catch (cause) {
      throw new AgoraError(
        errorCodes.STORAGE_DECRYPT_FAILED,
        `Chunk ${i} of ${chunks} (bytes ${HEADER_SIZE + i * sealedChunk}..${HEADER_SIZE + i * sealedChunk + part.length}) does not authenticate: a wrong key, or the bytes were altered.`,
        { cause },
      );
    }
  }
  return out;
}
