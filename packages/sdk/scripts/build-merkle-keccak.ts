// Builds native/merkle-keccak.c to WebAssembly: the storage Merkle tree's hashing in batches, about twice what
// hash-wasm manages on 64-byte inputs. Without clang it says so and exits 0: the SDK then hashes with hash-wasm.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { findClang } from './clang.js';

const run = promisify(execFile);
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const source = path.join(root, 'native', 'merkle-keccak.c');
const output = path.join(root, 'build', 'merkle-keccak.wasm');
const flags = ['--target=wasm32', '-nostdlib', '-O3', '-Wl,--no-entry', '-Wl,--strip-all'];

const clang = await findClang();
if (!clang) {
  console.log('merkle-keccak.wasm: no clang for wasm32; the SDK hashes storage trees with hash-wasm instead');
} else {
  const fingerprint = createHash('sha256')
    .update(clang.version)
    .update(flags.join(' '))
    .update(await readFile(source))
    .digest('hex');
  const stampFile = `${output}.stamp`;
  if ((await readFile(stampFile, 'utf8').catch(() => '')) === fingerprint) {
    console.log('merkle-keccak.wasm up to date');
  } else {
    await mkdir(path.dirname(output), { recursive: true });
    await run(clang.command, [...flags, source, '-o', output]);
    await writeFile(stampFile, fingerprint);
    console.log(`built ${path.relative(process.cwd(), output)}`);
  }
}
