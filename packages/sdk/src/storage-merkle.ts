import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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

const buildDir = new URL('../build/', import.meta.url);

/**
 * Our Node-API addon (scripts/build-merkle-keccak.ts) when it was built: it hashes straight between the caller's
 * arrays, eight at a time with AVX-512 when the CPU has it.
 */
function loadNativeHashers(): { avx512?: HashMany; scalar: HashMany } | undefined {
  let addon: { hashScalar: NativeHash; hashAvx512?: NativeHash };
  try {
    addon = createRequire(import.meta.url)(fileURLToPath(new URL('merkle-keccak.node', buildDir))) as typeof addon;
  } catch {
    return undefined;
  }
  const wrap =
    (hash: NativeHash): HashMany =>
    (input, count, out, offset) =>
      hash(input.subarray(0, count * 64), out.subarray(offset, offset + count * 32));
  return { scalar: wrap(addon.hashScalar), ...(addon.hashAvx512 && { avx512: wrap(addon.hashAvx512) }) };
}

type NativeHash = (input: Uint8Array, output: Uint8Array) => void;

/**
 * Our WebAssembly build (scripts/build-merkle-keccak.ts) when it exists; it hashes in batches of 64 Ki. Compiled on
 * first use: where the native addon runs, only the tests use it.
 */
function wasmHasher(): HashMany | undefined {
  const file = fileURLToPath(new URL('merkle-keccak.wasm', buildDir));
  if (!existsSync(file)) return undefined;
  let hashMany: HashMany | undefined;
  return (input, count, out, offset) => (hashMany ??= instantiateWasmHasher(file))(input, count, out, offset);
}

function instantiateWasmHasher(file: string): HashMany {
  const bytes = readFileSync(file);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
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

/** The keccak builds a storage tree can be hashed with, fastest first. */
export type MerkleHasher = 'native-avx512' | 'native' | 'wasm' | 'hash-wasm';

const native = loadNativeHashers();
const wasm = wasmHasher();
const hashers = new Map<MerkleHasher, HashMany>();
if (native?.avx512) hashers.set('native-avx512', native.avx512);
if (native) hashers.set('native', native.scalar);
if (wasm) hashers.set('wasm', wasm);
hashers.set('hash-wasm', hashManyOneByOne);

/** The hashers this machine has, fastest first: the first builds every tree. */
export const merkleHashers: readonly MerkleHasher[] = [...hashers.keys()];
export const merkleHasher: MerkleHasher = merkleHashers[0]!;
const bestHashMany = hashers.get(merkleHasher)!;

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
 * Builds the tree of `data`, every level kept. Our own code: the tree is the product's proof format, and no library
 * builds this one. `onProgress` hears the share of the hashing done so far (leaves and inner nodes), every 64 Ki
 * segments.
 */
export function buildMerkleTree(data: Uint8Array, onProgress?: (fraction: number) => void): MerkleTree {
  const { root, size, leafCount, depth, kept } = buildLevels(bestHashMany, data, 0, onProgress);
  return { root, size, leafCount, depth, levels: kept };
}

/**
 * Builds what a provider keeps of the tree of `data` (and what a client needs: the root and the shape) without ever
 * holding the levels below `BLOCK_LEVELS`: they are hashed 64 Ki segments at a time in scratch arrays reused for the
 * whole file, so a 256 MiB file needs about 8 MiB besides its bytes instead of 256 MiB of fresh levels.
 */
export function buildStoredTree(data: Uint8Array, onProgress?: (fraction: number) => void): StoredTree {
  const { root, size, leafCount, depth, kept } = buildLevels(bestHashMany, data, BLOCK_LEVELS, onProgress);
  return { root, size, leafCount, depth, upper: kept };
}

/** The same tree built with one named hasher (the tests check each against hash-wasm). */
export function buildMerkleTreeWith(hasher: MerkleHasher, data: Uint8Array): MerkleTree {
  const hashMany = hashers.get(hasher);
  if (!hashMany) throw new AgoraError(errorCodes.INVALID_ARGUMENT, `The ${hasher} hasher is not available here.`);
  const { root, size, leafCount, depth, kept } = buildLevels(hashMany, data, 0);
  return { root, size, leafCount, depth, levels: kept };
}

/** Segments hashed per run (4 MiB of data); progress is reported after each run. */
const RUN = 0x10000;

/** Scratch levels 0..BLOCK_LEVELS-1 of one run, made once: fresh memory is slow to touch on a virtual machine. */
let runScratch: Uint8Array[] | undefined;

function buildLevels(
  hashMany: HashMany,
  data: Uint8Array,
  keepFrom: number,
  onProgress?: (fraction: number) => void,
): { root: Hex; size: number; leafCount: number; depth: number; kept: Uint8Array[] } {
  if (data.length === 0) {
    throw new AgoraError(errorCodes.INVALID_ARGUMENT, 'Cannot build a storage tree over an empty file.');
  }
  const leafCount = leafCountOf(data.length);
  const depth = depthOf(leafCount);
  if (depth > MAX_DEPTH) {
    throw new AgoraError(errorCodes.INVALID_ARGUMENT, `The file is larger than the storage market's 64 TiB limit.`);
  }
  let hashes = 0;
  for (let k = 0; k <= depth; k++) hashes += Math.ceil(leafCount / 2 ** k);
  let hashed = 0;
  // Levels below `inRuns` exist only inside a run; level `inRuns` is the first one whole, filled run by run (RUN is a
  // multiple of 2^inRuns, so a node never straddles two runs, and only the last run can end a level on an odd node).
  const inRuns = Math.min(keepFrom, depth);
  const firstWhole = new Uint8Array(Math.ceil(leafCount / 2 ** inRuns) * 32);
  const scratch = inRuns > 0 ? (runScratch ??= scratchLevels()) : [];
  for (let first = 0; first < leafCount; first += RUN) {
    const n = Math.min(RUN, leafCount - first);
    const levelOf = (k: number) => (k === inRuns ? firstWhole : scratch[k]!);
    const offsetOf = (k: number) => (k === inRuns ? (first >> inRuns) * 32 : 0);
    hashSegments(hashMany, data, first, n, levelOf(0), offsetOf(0));
    let count = n;
    for (let k = 0; k < inRuns; k++) {
      hashLevel(hashMany, scratch[k]!, count, k, levelOf(k + 1), offsetOf(k + 1));
      count = Math.ceil(count / 2);
      hashed += count;
    }
    hashed += n;
    onProgress?.(hashed / hashes);
  }
  const levels = [firstWhole];
  let level = firstWhole;
  for (let k = inRuns; k < depth; k++) {
    const count = level.length / 32;
    const up = new Uint8Array(Math.ceil(count / 2) * 32);
    for (let first = 0; first < count; first += 2 * RUN) {
      const n = Math.min(2 * RUN, count - first);
      hashLevel(hashMany, level.subarray(first * 32), n, k, up, (first / 2) * 32);
      hashed += Math.ceil(n / 2);
      onProgress?.(hashed / hashes);
    }
    levels.push(up);
    level = up;
  }
  const root = bytesToHex(level.subarray(0, 32));
  return { root, size: data.length, leafCount, depth, kept: depth >= keepFrom ? levels : [] };
}

function scratchLevels(): Uint8Array[] {
  return Array.from({ length: BLOCK_LEVELS }, (_, k) => new Uint8Array((RUN >> k) * 32));
}

/** Leaves `first` to `first + n - 1` of `data` into `out` from `offset`; the file's last segment may be short. */
function hashSegments(
  hashMany: HashMany,
  data: Uint8Array,
  first: number,
  n: number,
  out: Uint8Array,
  offset: number,
): void {
  const whole = Math.min(n, Math.floor(data.length / SEGMENT_SIZE) - first);
  hashMany(data.subarray(first * SEGMENT_SIZE, (first + whole) * SEGMENT_SIZE), whole, out, offset);
  if (whole < n) hashInto(segmentOf(data, first + whole), out, offset + whole * 32);
}

/** The `count` nodes at the start of `level` (tree level `k`) into their parents in `out` from `offset`. */
function hashLevel(hashMany: HashMany, level: Uint8Array, count: number, k: number, out: Uint8Array, offset: number) {
  // Whole pairs lie side by side: 64 bytes each.
  const pairs = Math.floor(count / 2);
  hashMany(level.subarray(0, pairs * 64), pairs, out, offset);
  if (count % 2 === 1) {
    // The last node has no sibling with data below it: its sibling is the zero subtree.
    const pair = new Uint8Array(64);
    pair.set(level.subarray((count - 1) * 32, count * 32), 0);
    pair.set(zeroHash(k), 32);
    hashInto(pair, out, offset + pairs * 32);
  }
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
