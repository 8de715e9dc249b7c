// Signature verification and key recovery on secp256k1 for the order-check path: our own WebAssembly build of
// libsecp256k1 when it has been built (scripts/build-secp256k1.ts; about 1.7x tiny-secp256k1), tiny-secp256k1
// otherwise. Both are libsecp256k1; the tests check both against viem.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tiny from 'tiny-secp256k1';

export type Secp256k1 = {
  /** Which implementation answers: `libsecp256k1-wasm` (our build) or `tiny-secp256k1`. */
  backend: 'libsecp256k1-wasm' | 'tiny-secp256k1';
  /** True when `signature` (r ‖ s, low s) over `digest` is `publicKey`'s (65 bytes, uncompressed). */
  verify(digest: Uint8Array, publicKey: Uint8Array, signature: Uint8Array): boolean;
  /** The uncompressed public key that made `signature` over `digest`, or null. */
  recover(digest: Uint8Array, signature: Uint8Array, recoveryId: 0 | 1): Uint8Array | null;
};

type Exports = {
  memory: WebAssembly.Memory;
  _initialize?: () => void;
  init(): number;
  io(): number;
  verify(): number;
  recover(recoveryId: number): number;
};

const wasmFile = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'build', 'secp256k1.wasm');

function fromOwnBuild(): Secp256k1 | undefined {
  if (process.env.AGORA_SECP256K1 === 'tiny' || !existsSync(wasmFile)) return undefined;
  // A reactor module: wasi-libc's malloc needs no system call this code makes; every import fails loudly if called.
  const unavailable = () => {
    throw new Error('secp256k1.wasm made a WASI call');
  };
  const imports = { wasi_snapshot_preview1: new Proxy({}, { get: () => unavailable }) };
  const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmFile)), imports);
  const exports = instance.exports as unknown as Exports;
  exports._initialize?.();
  if (exports.init() !== 1) throw new Error('secp256k1.wasm could not create its context');
  const at = exports.io();
  // The memory never grows after init (no allocation on these paths), so one view stays valid.
  const io = () => new Uint8Array(exports.memory.buffer, at, 161);
  return {
    backend: 'libsecp256k1-wasm',
    verify(digest, publicKey, signature) {
      const buffer = io();
      buffer.set(digest, 0);
      buffer.set(publicKey, 32);
      buffer.set(signature, 97);
      return exports.verify() === 1;
    },
    recover(digest, signature, recoveryId) {
      const buffer = io();
      buffer.set(digest, 0);
      buffer.set(signature, 97);
      return exports.recover(recoveryId) === 1 ? buffer.slice(32, 97) : null;
    },
  };
}

function fromTiny(): Secp256k1 {
  return {
    backend: 'tiny-secp256k1',
    verify: (digest, publicKey, signature) => tiny.verify(digest, publicKey, signature, true),
    recover(digest, signature, recoveryId) {
      try {
        return tiny.recover(digest, signature, recoveryId, false);
      } catch {
        return null;
      }
    },
  };
}

/** Our build when present (and AGORA_SECP256K1 is not `tiny`), else tiny-secp256k1; `tiny` forces the latter. */
export function loadSecp256k1(prefer: 'best' | 'tiny' = 'best'): Secp256k1 {
  return (prefer === 'best' ? fromOwnBuild() : undefined) ?? fromTiny();
}

let loaded: Secp256k1 | undefined;

/** The process's implementation, loaded on first use (compiling the module and its tables takes ~12 ms). */
export function secp256k1(): Secp256k1 {
  loaded ??= loadSecp256k1();
  return loaded;
}
