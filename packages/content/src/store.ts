// The content store on disk: blocks by CID in a directory, files read back by walking their DAG.
import { AgoraError, errorCodes } from '@agora/errors';
import { FsBlockstore } from 'blockstore-fs';
import { exporter, type ReadableStorage } from 'ipfs-unixfs-exporter';
import { sha256 } from 'multiformats/hashes/sha2';
import { equals } from 'multiformats/bytes';
import { addBytes, type CID } from './cid.js';

/** Reads blocks through a hash check, so a block changed on disk (or in transit) is never served as the CID's. */
export function verifyingStorage(storage: ReadableStorage): ReadableStorage {
  return {
    async *get(cid, options) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of storage.get(cid, options)) chunks.push(chunk);
      const block = chunks.length === 1 ? chunks[0]! : concat(chunks);
      const digest = await sha256.digest(block);
      if (!equals(digest.bytes, cid.multihash.bytes)) {
        throw new AgoraError(
          errorCodes.CONTENT_HASH_MISMATCH,
          `The block ${cid.toString()} does not hash to its CID: it was changed or corrupted.`,
        );
      }
      yield block;
    },
  };
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

export type ContentStore = {
  /** Stores `bytes` and returns their CID. */
  put(bytes: Uint8Array): Promise<CID>;
  /** The bytes of `cid`, checked block by block against their hashes as they are read. */
  get(cid: CID, options?: { maxBytes?: number }): Promise<Uint8Array>;
  close(): Promise<void>;
};

/**
 * A file blockstore that writes each block once at a time: concurrent puts of the same block (twenty clients
 * uploading the same app) share one write. blockstore-fs writes through steno, whose temporary file is named after
 * the block, so same-block writers collide on the rename and steno retries with back-off: 20 concurrent uploads of
 * one 11 KB app took 920 ms here, against 6 ms for 20 different ones. A later put still writes, so uploading a block
 * again repairs a copy damaged on disk.
 */
class SingleWriteBlockstore extends FsBlockstore {
  readonly #writing = new Map<string, ReturnType<FsBlockstore['put']>>();

  override put(...args: Parameters<FsBlockstore['put']>): ReturnType<FsBlockstore['put']> {
    const key = args[0].toString();
    const pending = this.#writing.get(key);
    if (pending) return pending;
    const write = super.put(...args).finally(() => this.#writing.delete(key));
    this.#writing.set(key, write);
    return write;
  }
}

/**
 * Opens (creating if needed) a content store in `directory`.
 * @example
 * const store = await openContentStore('./data/content'); const cid = await store.put(bytes)
 */
export async function openContentStore(directory: string, options: { maxBytes?: number } = {}): Promise<ContentStore> {
  const maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  const blockstore = new SingleWriteBlockstore(directory);
  await blockstore.open();
  const verified = verifyingStorage(blockstore);

  const read = async (cid: CID, limit: number): Promise<Uint8Array> => {
    const entry = await exporter(cid, verified);
    if (entry.type !== 'file' && entry.type !== 'raw') {
      throw new AgoraError(errorCodes.CONTENT_INVALID_CID, `${cid.toString()} is a ${entry.type}, not a file.`);
    }
    const size = Number(entry.size);
    if (size > limit)
      throw new AgoraError(
        errorCodes.CONTENT_TOO_LARGE,
        `${cid.toString()} is ${size} bytes; the limit is ${limit} bytes.`,
      );
    const bytes = new Uint8Array(size);
    let offset = 0;
    for await (const chunk of entry.content()) {
      bytes.set(chunk, offset);
      offset += chunk.length;
    }
    return bytes;
  };

  return {
    async put(bytes) {
      if (bytes.length > maxBytes) {
        throw new AgoraError(
          errorCodes.CONTENT_TOO_LARGE,
          `The content is ${bytes.length} bytes; the limit is ${maxBytes} bytes.`,
        );
      }
      return addBytes(bytes, blockstore);
    },
    async get(cid, getOptions = {}) {
      try {
        return await read(cid, getOptions.maxBytes ?? maxBytes);
      } catch (error) {
        if (error instanceof AgoraError) throw error;
        const name = (error as { name?: string }).name;
        if (name === 'NotFoundError' || (error as { code?: string }).code === 'ERR_NOT_FOUND') {
          throw new AgoraError(errorCodes.CONTENT_NOT_FOUND, `${cid.toString()} is not in this store.`, {
            cause: error,
          });
        }
        throw new AgoraError(
          errorCodes.CONTENT_HASH_MISMATCH,
          `${cid.toString()} could not be read back intact: ${String(error)}`,
          { cause: error },
        );
      }
    },
    close: () => blockstore.close(),
  };
}
