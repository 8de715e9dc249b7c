// Builds libsecp256k1 (the C sources the `secp256k1` npm package ships; its native addon is never built) to
// WebAssembly for the matcher's signature checks: clang with wasm32-wasi and Debian's wasi-libc, the 10x26 field
// (wasm has no 128-bit multiply; the int128 emulation tiny-secp256k1's build pays for costs 1.7x), GLV endomorphism,
// a 2^15-entry table for G. Without clang it says so and exits 0: the SDK then uses tiny-secp256k1.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { findClang } from './clang.js';

const run = promisify(execFile);
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

const clang = await findClang();
if (!clang) {
  console.log('secp256k1.wasm: no clang for wasm32-wasi; the SDK checks signatures with tiny-secp256k1 instead');
} else {
  const fingerprint = createHash('sha256')
    .update(clang.version)
    .update(flags.join(' '))
    .update(await readFile(glue))
    .update(await readFile(path.join(source, 'src', 'secp256k1.c')))
    .digest('hex');
  const stampFile = `${output}.stamp`;
  const current = await readFile(stampFile, 'utf8').catch(() => '');
  if (current === fingerprint) {
    console.log('secp256k1.wasm up to date');
  } else {
    await mkdir(path.dirname(output), { recursive: true });
    await run(clang.command, [...flags, path.join(source, 'src', 'secp256k1.c'), glue, '-o', output]);
    await writeFile(stampFile, fingerprint);
    console.log(`built ${path.relative(process.cwd(), output)}`);
  }
}
