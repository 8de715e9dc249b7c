import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { createKeccak } from 'hash-wasm';
import { type Hex, bytesToHex } from 'viem';

import { AgoraError, errorCodes } from './errors.js';

/** Bytes per leaf: small, because a proof carries one segment in calldata (see StorageMarket.sol). */
export const SEGMENT_SIZE = 64;
/** The storage market's largest tree: 2^40 segments (64 TiB). */
export const MAX_DEPTH = 40;

/**
 * A Merkle tree over bytes cut into 64-byte segments (the last one zero-padded): leaf `i` is
 * `keccak256(segment i)`, inner nodes are `keccak256(left ‖ right)`, and the tree is padded with zero leaves to a
 * power of two, exactly as the storage market verifies it. `levels[0]` holds the leaf hashes, each level the
 * 32-byte nodes that have real data below them; the padding nodes are the zero-subtree hashes.
 */
export type MerkleTree = {
  root: Hex;
  size: number;
  leafCount: number;
  depth: number;
  levels: Uint8Array[];
};

/** A proof for one segment: the segment as two words and its path, leaf level first. */
export type SegmentProof = {
  leafIndex: number;
  segment: readonly [Hex, Hex];
  siblings: Hex[];
};

const keccak = await createKeccak(256);

function hashInto(input: Uint8Array, out: Uint8Array, offset: number): void {
  keccak.init();
  keccak.update(input);
  out.set(keccak.digest('binary'), offset);
}

/** Hashes `count` consecutive 64-byte inputs of `input` into `out` (32 bytes each, from `offset`). */
type HashMany = (input: Uint8Array, count: number, out: Uint8Array, offset: number) => void;

const hashManyOneByOne: HashMany = (input, count, out, offset) => {
  for (let i = 0; i < count; i++) hashInto(input.subarray(i * 64, i * 64 + 64), out, offset + i * 32);
};

/** Our WebAssembly build (scripts/build-merkle-keccak.ts) when it exists; it hashes in batches of 64 Ki. */
async function loadBatchHasher(): Promise<HashMany | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(fileURLToPath(new URL('../build/merkle-keccak.wasm', import.meta.url)));
  } catch {
    return undefined;
  }
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>));
  const kernel = instance.exports as {
    memory: WebAssembly.Memory;
    buffer_address(): number;
    batch_size(): number;
    hash_batch(count: number): void;
  };
  const base = kernel.buffer_address();
  const batch = kernel.batch_size();
  return (input, count, out, offset) => {
    const memory = new Uint8Array(kernel.memory.buffer);
    for (let done = 0; done < count; done += batch) {
      const n = Math.min(batch, count - done);
      memory.set(input.subarray(done * 64, (done + n) * 64), base);
      kernel.hash_batch(n);
      out.set(memory.subarray(base, base + n * 32), offset + done * 32);
    }
  };
}

const batchHasher = await loadBatchHasher();

/** Which keccak builds storage trees here: our WebAssembly kernel, or hash-wasm one hash at a time. */
export const merkleHasher: 'kernel' | 'hash-wasm' = batchHasher ? 'kernel' : 'hash-wasm';

/** Zero-subtree hashes: `zeroHashes[k]` is the root of 2^k zero leaves. */
const zeroHashes: Uint8Array[] = [new Uint8Array(32)];
for (let k = 1, below = new Uint8Array(32); k <= MAX_DEPTH; k++) {
  const pair = new Uint8Array(64);
  pair.set(below, 0);
  pair.set(below, 32);
  below = new Uint8Array(32);
  hashInto(pair, below, 0);
  zeroHashes.push(below);
}

function zeroHash(level: number): Uint8Array {
  const hash = zeroHashes[level];
  if (!hash) throw new RangeError(`no zero hash at level ${level}`);
  return hash;
}

export function leafCountOf(size: number): number {
  return Math.ceil(size / SEGMENT_SIZE);
}

export function depthOf(leafCount: number): number {
  return leafCount <= 1 ? 0 : Math.ceil(Math.log2(leafCount));
}

/** The segment `index` of `data`, zero-padded to 64 bytes. */
export function segmentOf(data: Uint8Array, index: number): Uint8Array {
  const start = index * SEGMENT_SIZE;
  const segment = data.subarray(start, Math.min(start + SEGMENT_SIZE, data.length));
  if (segment.length === SEGMENT_SIZE) return segment;
  const padded = new Uint8Array(SEGMENT_SIZE);
  padded.set(segment);
  return padded;
}

/**
 * Builds the tree of `data`. Our own code: the tree is the product's proof format, and no library builds this one.
 * `onProgress` hears the share of the hashing done so far (leaves and inner nodes), every 64 Ki hashes.
 */
export function buildMerkleTree(data: Uint8Array, onProgress?: (fraction: number) => void): MerkleTree {
  return buildWith(batchHasher ?? hashManyOneByOne, data, onProgress);
}

/** The same tree built with hash-wasm alone: the reference the kernel is tested against. */
export function buildMerkleTreeWithHashWasm(data: Uint8Array): MerkleTree {
  return buildWith(hashManyOneByOne, data);
}

function buildWith(hashMany: HashMany, data: Uint8Array, onProgress?: (fraction: number) => void): MerkleTree {
  if (data.length === 0) {
    throw new AgoraError(errorCodes.INVALID_ARGUMENT, 'Cannot build a storage tree over an empty file.');
  }
  const leafCount = leafCountOf(data.length);
  const depth = depthOf(leafCount);
  if (depth > MAX_DEPTH) {
    throw new AgoraError(errorCodes.INVALID_ARGUMENT, `The file is larger than the storage market's 64 TiB limit.`);
  }
  const leaves = new Uint8Array(leafCount * 32);
  const whole = Math.floor(data.length / SEGMENT_SIZE);
  // In runs of 64 Ki segments (4 MiB), reporting after each.
  const run = 0x10000;
  for (let i = 0; i < whole; i += run) {
    const n = Math.min(run, whole - i);
    hashMany(data.subarray(i * SEGMENT_SIZE, (i + n) * SEGMENT_SIZE), n, leaves, i * 32);
    onProgress?.((i + n) / (2 * leafCount));
  }
  if (whole < leafCount) hashInto(segmentOf(data, whole), leaves, whole * 32);

  const levels = [leaves];
  let level = leaves;
  let inner = 0;
  for (let k = 0; k < depth; k++) {
    const count = level.length / 32;
    const pairs = Math.floor(count / 2);
    const up = new Uint8Array(Math.ceil(count / 2) * 32);
    // Whole pairs lie side by side in the level: 64 bytes each, hashed in runs.
    for (let i = 0; i < pairs; i += run) {
      const n = Math.min(run, pairs - i);
      hashMany(level.subarray(i * 64, (i + n) * 64), n, up, i * 32);
      inner += n;
      onProgress?.((leafCount + inner) / (2 * leafCount));
    }
    if (count % 2 === 1) {
      // The last node has no sibling with data below it: its sibling is the zero subtree.
      const pair = new Uint8Array(64);
      pair.set(level.subarray((count - 1) * 32, count * 32), 0);
      pair.set(zeroHash(k), 32);
      hashInto(pair, up, pairs * 32);
    }
    levels.push(up);
    level = up;
  }
  return { root: bytesToHex(level.subarray(0, 32)), size: data.length, leafCount, depth, levels };
}

/** The proof the storage market asks for when it challenges segment `leafIndex`. */
export function proveSegment(tree: MerkleTree, data: Uint8Array, leafIndex: number): SegmentProof {
  if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= tree.leafCount) {
    throw new AgoraError(
      errorCodes.INVALID_ARGUMENT,
      `Segment ${leafIndex} does not exist: the file has ${tree.leafCount} segments.`,
    );
  }
  const segment = segmentOf(data, leafIndex);
  const siblings: Hex[] = [];
  for (let k = 0; k < tree.depth; k++) {
    const sibling = (leafIndex >> k) ^ 1;
    const level = tree.levels[k] ?? new Uint8Array(0);
    siblings.push(
      bytesToHex(sibling * 32 < level.length ? level.subarray(sibling * 32, sibling * 32 + 32) : zeroHash(k)),
    );
  }
  return {
    leafIndex,
    segment: [bytesToHex(segment.subarray(0, 32)), bytesToHex(segment.subarray(32, 64))],
    siblings,
  };
}

/** Recomputes the root a proof leads to; a client uses it to check a segment it fetched. */
export function rootOfProof(proof: SegmentProof): Hex {
  const buffer = new Uint8Array(64);
  buffer.set(Buffer.from(proof.segment[0].slice(2), 'hex'), 0);
  buffer.set(Buffer.from(proof.segment[1].slice(2), 'hex'), 32);
  let node = new Uint8Array(32);
  hashInto(buffer, node, 0);
  proof.siblings.forEach((sibling, k) => {
    const siblingBytes = Buffer.from(sibling.slice(2), 'hex');
    const lowerFirst = ((proof.leafIndex >> k) & 1) === 0;
    buffer.set(lowerFirst ? node : siblingBytes, 0);
    buffer.set(lowerFirst ? siblingBytes : node, 32);
    const next = new Uint8Array(32);
    hashInto(buffer, next, 0);
    node = next;
  });
  return bytesToHex(node);
}

/** Levels below this one are not kept: a proof rebuilds the 64-segment (4 KiB) block around its segment. */
export const BLOCK_LEVELS = 6;
export const BLOCK_SIZE = SEGMENT_SIZE << BLOCK_LEVELS;

/**
 * What a provider keeps of a tree besides the data: the shape and the levels from `BLOCK_LEVELS` up, about 1/128
 * of the data's size.
 */
export type StoredTree = {
  root: Hex;
  size: number;
  leafCount: number;
  depth: number;
  upper: Uint8Array[];
};

export function storedTreeOf(tree: MerkleTree): StoredTree {
  const { root, size, leafCount, depth, levels } = tree;
  return { root, size, leafCount, depth, upper: levels.slice(BLOCK_LEVELS) };
}

/**
 * The proof of segment `leafIndex` from a stored tree and the data block around it, which `readBlock` returns
 * (bytes `start` to `end` of the stored file).
 */
export async function proveStoredSegment(
  stored: StoredTree,
  readBlock: (start: number, end: number) => Promise<Uint8Array>,
  leafIndex: number,
): Promise<SegmentProof> {
  if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= stored.leafCount) {
    throw new AgoraError(
      errorCodes.INVALID_ARGUMENT,
      `Segment ${leafIndex} does not exist: the file has ${stored.leafCount} segments.`,
    );
  }
  const blockIndex = leafIndex >> BLOCK_LEVELS;
  const start = blockIndex * BLOCK_SIZE;
  const block = await readBlock(start, Math.min(start + BLOCK_SIZE, stored.size));
  const local = buildMerkleTree(block);
  const localIndex = leafIndex - (blockIndex << BLOCK_LEVELS);
  const proof = proveSegment(local, block, localIndex);
  const siblings: Hex[] = [];
  for (let k = 0; k < stored.depth; k++) {
    if (k < BLOCK_LEVELS) {
      // Inside the block; past its own depth the block's siblings are padding.
      siblings.push(proof.siblings[k] ?? bytesToHex(zeroHash(k)));
      continue;
    }
    const sibling = (leafIndex >> k) ^ 1;
    const level = stored.upper[k - BLOCK_LEVELS] ?? new Uint8Array(0);
    siblings.push(
      bytesToHex(sibling * 32 < level.length ? level.subarray(sibling * 32, sibling * 32 + 32) : zeroHash(k)),
    );
  }
  return { leafIndex, segment: proof.segment, siblings };
}
