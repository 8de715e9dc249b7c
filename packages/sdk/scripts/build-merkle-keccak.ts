// Builds the storage Merkle tree's keccak twice: native/merkle-keccak-node.c as a Node-API addon with the machine's C
// compiler (eight hashes at once with AVX-512 where the CPU has it, about eight times the WebAssembly kernel), and
// native/merkle-keccak.c to WebAssembly with clang (batches of 64 Ki; about twice hash-wasm's speed on 64-byte
// inputs). Either may be missing: it says so and exits 0, and the SDK uses the next one down (native, WebAssembly,
// hash-wasm).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildNodeAddon, buildWasm } from './compile.js';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const native = (file: string) => path.join(root, 'native', file);
const headers = [native('keccak-rounds.h')];

await buildNodeAddon({
  output: path.join(root, 'build', 'merkle-keccak.node'),
  sources: [native('merkle-keccak-node.c')],
  headers,
  // Generic x86-64 (or whatever the machine is): the AVX-512 function carries its own target attribute and is only
  // exported when the CPU has it.
  flags: ['-O3', '-shared', '-fPIC', '-fvisibility=hidden', '-Wall', '-Wextra', '-Werror'],
  without: 'no C compiler or no Node-API headers; the SDK hashes storage trees with its WebAssembly kernel instead',
});

await buildWasm({
  output: path.join(root, 'build', 'merkle-keccak.wasm'),
  sources: [native('merkle-keccak.c')],
  headers,
  flags: ['--target=wasm32', '-nostdlib', '-O3', '-Wl,--no-entry', '-Wl,--strip-all'],
  without: 'no clang for wasm32; the SDK hashes storage trees with hash-wasm instead',
});
