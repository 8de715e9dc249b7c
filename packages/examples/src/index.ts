// Where the built example apps are. Run `npm run build -w @agora/examples` (the tests do) to build them.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const examplesBuildDir = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'build');

/** Apps that do useful work, in AssemblyScript. */
export const usefulApps = ['sha256', 'sort', 'wordcount', 'primes', 'matmul', 'echo', 'entropy'] as const;
/** Apps that try to hurt the provider. */
export const hostileApps = ['infinite-loop', 'memory-bomb', 'deep-recursion', 'huge-output'] as const;
/** C programs built with clang and wasi-libc: any wasm32-wasi toolchain's output runs, not only ours. */
export const cApps = ['rot13', 'stats'] as const;
/** Hand-written text-format modules for features and refusals. */
export const textApps = [
  'features',
  'nan',
  'trap',
  'memory-probe',
  'no-start',
  'network',
  'host-import',
  'simd',
  'start-section',
] as const;

export type ExampleName =
  (typeof usefulApps)[number] | (typeof hostileApps)[number] | (typeof textApps)[number] | (typeof cApps)[number];

export function examplePath(name: ExampleName): string {
  return path.join(examplesBuildDir, `${name}.wasm`);
}

export async function readExample(name: ExampleName): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await readFile(examplePath(name)));
}
