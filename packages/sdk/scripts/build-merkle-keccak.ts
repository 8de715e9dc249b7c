// Builds native/merkle-keccak.c to WebAssembly: the storage Merkle tree's hashing in batches, about twice what
// hash-wasm manages on 64-byte inputs. Without clang it says so and exits 0: the SDK then hashes with hash-wasm.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildWasm } from './clang.js';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const source = path.join(root, 'native', 'merkle-keccak.c');
const output = path.join(root, 'build', 'merkle-keccak.wasm');
const flags = ['--target=wasm32', '-nostdlib', '-O3', '-Wl,--no-entry', '-Wl,--strip-all'];

await buildWasm({
  output,
  sources: [source],
  flags,
  withoutClang: 'no clang for wasm32; the SDK hashes storage trees with hash-wasm instead',
});
