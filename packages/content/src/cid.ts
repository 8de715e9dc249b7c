// CIDv1 for blobs, computed the way `ipfs add --cid-version=1` does: 256 KiB raw leaves in a balanced
// dag-pb tree of at most 174 links per node, a single chunk reduced to its raw leaf (a `bafkrei…` CID).
import { AgoraError, errorCodes } from '@agora/errors';
import { type Blockstore } from 'interface-blockstore';
import { MemoryBlockstore } from 'blockstore-core/memory';
import { importBytes, type ImporterOptions } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';

export { CID };

/** The importer settings of kubo's `--cid-version=1`: changing any of them changes every CID. */
export const unixfsOptions: Partial<ImporterOptions> = {
  cidVersion: 1,
  rawLeaves: true,
  reduceSingleLeafToSelf: true,
  chunker: fixedSize({ chunkSize: 262_144 }),
  layout: balanced({ maxChildrenPerNode: 174 }),
};

const dagPbCode = 0x70;

/**
 * Imports `bytes` into `blockstore` as a UnixFS file and returns its CID.
 * @example
 * const cid = await addBytes(new TextEncoder().encode('hello'), store)
 */
export async function addBytes(bytes: Uint8Array, blockstore: Blockstore): Promise<CID> {
  const { cid } = await importBytes(bytes, blockstore, unixfsOptions);
  return cid;
}

/**
 * The CIDv1 of `bytes`, without keeping any blocks.
 * @example
 * (await cidOf(new Uint8Array())).toString() // 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'
 */
export async function cidOf(bytes: Uint8Array): Promise<CID> {
  if (bytes.length <= 262_144) return CID.createV1(raw.code, await sha256.digest(bytes));
  return addBytes(bytes, new MemoryBlockstore());
}

/**
 * Parses a CID string, accepting only what the content layer can check: raw or dag-pb blocks hashed with SHA-256.
 * @throws AgoraError CONTENT_INVALID_CID saying what was wrong
 */
export function parseCid(text: string): CID {
  let cid: CID;
  try {
    cid = CID.parse(text.trim());
  } catch (error) {
    throw new AgoraError(errorCodes.CONTENT_INVALID_CID, `"${text}" is not a CID.`, {
      cause: error,
      details: 'Expected a CIDv1 such as bafkrei… (raw) or bafybei… (dag-pb), or a CIDv0 Qm….',
    });
  }
  return checkedCid(cid, text);
}

/**
 * Reads a CID in its binary form (as orders carry it on chain), accepting what `parseCid` accepts.
 * @throws AgoraError CONTENT_INVALID_CID saying what was wrong
 */
export function cidFromBytes(bytes: Uint8Array): CID {
  let cid: CID;
  try {
    cid = CID.decode(bytes);
  } catch (error) {
    throw new AgoraError(errorCodes.CONTENT_INVALID_CID, `${bytes.length} bytes that are not a binary CID.`, {
      cause: error,
      details: 'Expected the binary form of a CIDv1 (raw or dag-pb, sha2-256).',
    });
  }
  return checkedCid(cid, cid.toString());
}

function checkedCid(cid: CID, text: string): CID {
  if (cid.multihash.code !== sha256.code) {
    throw new AgoraError(
      errorCodes.CONTENT_INVALID_CID,
      `The CID ${text} uses hash 0x${cid.multihash.code.toString(16)}; only sha2-256 is checked.`,
    );
  }
  if (cid.code !== raw.code && cid.code !== dagPbCode) {
    throw new AgoraError(
      errorCodes.CONTENT_INVALID_CID,
      `The CID ${text} has codec 0x${cid.code.toString(16)}; raw and dag-pb are accepted.`,
    );
  }
  return cid.toV1();
}
