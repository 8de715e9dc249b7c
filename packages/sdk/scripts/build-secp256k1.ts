// Builds libsecp256k1 (the C sources the `secp256k1` npm package ships; its native addon is never built) to
// WebAssembly for the matcher's signature checks: clang with wasm32-wasi and Debian's wasi-libc, the 10x26 field
// (wasm has no 128-bit multiply; the int128 emulation tiny-secp256k1's build pays for costs 1.7x), GLV endomorphism,
// a 2^15-entry table for G. Without clang it says so and exits 0: the SDK then uses tiny-secp256k1.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildWasm } from './compile.js';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const output = path.join(root, 'build', 'secp256k1.wasm');
const glue = path.join(root, 'native', 'secp256k1-glue.c');
const source = path.join(
  path.dirname(createRequire(import.meta.url).resolve('secp256k1/package.json')),
  'src',
  'secp256k1',
);

const flags = [
  '--target=wasm32-wasi',
  '--sysroot=/usr',
  '-O3',
  '-mexec-model=reactor',
  `-I${source}`,
  `-I${path.join(source, 'include')}`,
  `-I${path.join(source, 'src')}`,
  '-DUSE_FIELD_10X26',
  '-DUSE_SCALAR_8X32',
  '-DUSE_NUM_NONE',
  '-DUSE_FIELD_INV_BUILTIN',
  '-DUSE_SCALAR_INV_BUILTIN',
  '-DECMULT_WINDOW_SIZE=15',
  '-DECMULT_GEN_PREC_BITS=4',
  '-DENABLE_MODULE_RECOVERY',
  '-DUSE_ENDOMORPHISM',
  '-Wl,--strip-all',
  // The context's tables are built on a deep stack.
  '-Wl,-z,stack-size=4194304',
];

await buildWasm({
  output,
  sources: [path.join(source, 'src', 'secp256k1.c'), glue],
  flags,
  without: 'no clang for wasm32-wasi; the SDK checks signatures with tiny-secp256k1 instead',
});
