import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

import { concat, keccak256 } from 'viem';
import { describe, expect, it } from 'vitest';

import {
  BLOCK_SIZE,
  buildMerkleTree,
  buildMerkleTreeWith,
  buildStoredTree,
  merkleHasher,
  merkleHashers,
  proveSegment,
  proveStoredSegment,
  rootOfProof,
  segmentOf,
  storedTreeOf,
} from '../src/index.js';

const nativeAddonBuilt = existsSync(new URL('../build/merkle-keccak.node', import.meta.url));

describe('storage Merkle tree', () => {
  it('is keccak256 of 64-byte segments, zero-padded, paired up to a power of two', () => {
    const data = new Uint8Array(randomBytes(64 * 2 + 10));
    const tree = buildMerkleTree(data);
    const leaves = [0, 1, 2].map((i) => keccak256(segmentOf(data, i)));
    const zero = `0x${'00'.repeat(32)}` as const;
    const expected = keccak256(
      concat([keccak256(concat([leaves[0]!, leaves[1]!])), keccak256(concat([leaves[2]!, zero]))]),
    );
    expect(tree).toMatchObject({ leafCount: 3, depth: 2, root: expected });
    expect(segmentOf(data, 2).subarray(10)).toEqual(new Uint8Array(54));
  });

  it('gives the same proof from a stored tree and one 4 KiB block as from the whole tree', async () => {
    for (const size of [1, 64, 4096, 4096 * 3 + 100, 300_001]) {
      const data = new Uint8Array(randomBytes(size));
      const tree = buildMerkleTree(data);
      const stored = storedTreeOf(tree);
      const reads: number[] = [];
      const readBlock = (start: number, end: number) => {
        reads.push(end - start);
        return Promise.resolve(data.subarray(start, end));
      };
      for (const leafIndex of new Set([0, tree.leafCount - 1, Math.floor(tree.leafCount / 2), 65 % tree.leafCount])) {
        const proof = await proveStoredSegment(stored, readBlock, leafIndex);
        expect(proof).toEqual(proveSegment(tree, data, leafIndex));
        expect(rootOfProof(proof)).toBe(tree.root);
      }
      expect(Math.max(...reads)).toBeLessThanOrEqual(BLOCK_SIZE);
    }
  });

  // Without a C compiler the set-up says it could not build the addon and this is skipped; CI has one and runs it.
  it.skipIf(!nativeAddonBuilt && process.env.AGORA_REQUIRE_CLANG !== '1')(
    'builds with our native keccak (the test setup compiles it), eight at a time where the CPU has AVX-512',
    async () => {
      const cpu = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
      expect(merkleHasher).toBe(/\bavx512f\b/.test(cpu) ? 'native-avx512' : 'native');
      expect(merkleHashers).toEqual(expect.arrayContaining(['native', 'wasm', 'hash-wasm']));
    },
  );

  it('builds the same tree with every hasher this machine has as with hash-wasm, whatever the file ends on', () => {
    // Sizes around the eight-way batches, a short last segment, and a file past one 64 Ki-segment run.
    for (const size of [64, 65, 64 * 7, 64 * 9 - 1, 64 * 17, 64 * 0x10000 + 64 * 3 + 7, 5_000_000]) {
      const data = new Uint8Array(randomBytes(size));
      const reference = buildMerkleTreeWith('hash-wasm', data);
      for (const hasher of merkleHashers) {
        const tree = buildMerkleTreeWith(hasher, data);
        expect({ hasher, size, root: tree.root }).toEqual({ hasher, size, root: reference.root });
        expect(tree.levels.map((level) => Buffer.from(level).toString('hex'))).toEqual(
          reference.levels.map((level) => Buffer.from(level).toString('hex')),
        );
      }
    }
  });

  it('builds the stored tree straight from the data, the same as the full tree cut down', () => {
    // Below one block, exactly one block (depth 6), a partial run, and runs ending on an odd node of every level.
    for (const size of [1, 4096, 4097, 64 * 0x10000, 64 * 0x10000 * 2 + 64 * 65 + 1, 9_000_001]) {
      const data = new Uint8Array(randomBytes(size));
      const stored = buildStoredTree(data);
      const full = storedTreeOf(buildMerkleTree(data));
      expect({ ...stored, upper: stored.upper.map((level) => Buffer.from(level).toString('hex')) }).toEqual({
        ...full,
        upper: full.upper.map((level) => Buffer.from(level).toString('hex')),
      });
    }
  });

  it('refuses to hash between arrays of the wrong shape, in the native addon too', () => {
    expect(() => buildMerkleTreeWith('nonexistent' as never, new Uint8Array(64))).toThrow(/not available here/);
    const addon = createRequire(import.meta.url)('../build/merkle-keccak.node') as Record<
      string,
      (input: unknown, output: unknown) => void
    >;
    for (const hash of Object.values(addon)) {
      expect(() => hash(new Uint8Array(64), new Uint8Array(31))).toThrow(/64n bytes and output 32n bytes/);
      const shared = new Uint8Array(128);
      expect(() => hash(shared.subarray(0, 64), shared.subarray(32, 64))).toThrow(/must not overlap/);
      expect(() => hash([1, 2], new Uint8Array(32))).toThrow(/must be Uint8Arrays/);
    }
  });

  it('reports its progress while hashing a large file, rising to the end', () => {
    const data = new Uint8Array(64 * 300_000);
    const seen: number[] = [];
    buildMerkleTree(data, (fraction) => seen.push(fraction));
    expect(seen.length).toBeGreaterThanOrEqual(8);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBeGreaterThan(0.9);
    expect(seen.at(-1)).toBeLessThanOrEqual(1);
  });

  it('refuses an empty file and a segment that does not exist', async () => {
    expect(() => buildMerkleTree(new Uint8Array(0))).toThrow(/empty file/);
    const data = new Uint8Array(100);
    const tree = buildMerkleTree(data);
    expect(() => proveSegment(tree, data, 2)).toThrow(/Segment 2 does not exist: the file has 2 segments/);
    await expect(proveStoredSegment(storedTreeOf(tree), () => Promise.resolve(data), -1)).rejects.toThrow(
      /does not exist/,
    );
  });
});
