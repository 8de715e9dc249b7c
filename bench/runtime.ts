// Runtime speed: what metering costs on CPU-bound kernels (the same module run plain and instrumented,
// both against the same WASI host, in this thread), and how long a run takes to start from a cached module.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { readExample, type ExampleName } from '@agora/examples';
import { executeModule, prepareApp, startRun } from '@agora/runtime';
import { createWasiHost, ProcessExit } from '../packages/runtime/src/wasi.js';

const resultsFile = join(dirname(fileURLToPath(import.meta.url)), 'results', 'runtime.json');
execFileSync(process.execPath, ['--import', 'tsx', 'packages/examples/scripts/build.ts'], { stdio: 'inherit' });

type Kernel = { name: ExampleName; args: string[]; input: Uint8Array };
const numbers = Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 1_000_003).join(' ');
const kernels: Kernel[] = [
  { name: 'primes', args: ['10000000'], input: new Uint8Array(0) },
  { name: 'matmul', args: ['256'], input: new Uint8Array(0) },
  { name: 'sha256', args: [], input: new Uint8Array(12_000_000).map((_, i) => i & 0xff) },
  { name: 'sort', args: [], input: new TextEncoder().encode(numbers) },
];
const rounds = 9;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function runPlain(module: WebAssembly.Module, kernel: Kernel): Uint8Array {
  const host = createWasiHost({
    args: ['app', ...kernel.args],
    input: kernel.input,
    clockNs: 0n,
    seed: new Uint8Array(32),
    maxOutputBytes: 1 << 26,
    maxLogBytes: 1 << 16,
  });
  const instance = new WebAssembly.Instance(module, host.imports);
  host.bind(instance.exports.memory as WebAssembly.Memory, undefined);
  try {
    (instance.exports._start as () => void)();
  } catch (error) {
    if (!(error instanceof ProcessExit)) throw error;
  }
  return host.stdout();
}

const perKernel: Record<string, { plainMs: number; meteredMs: number; overhead: number; fuel: number }> = {};
for (const kernel of kernels) {
  const bytes = await readExample(kernel.name);
  const plain = new WebAssembly.Module(bytes);
  const metered = prepareApp(bytes);
  const plainTimes: number[] = [];
  const meteredTimes: number[] = [];
  let fuel = 0n;
  // Alternate the two so that machine noise falls on both; the first two rounds warm the engine up.
  for (let round = 0; round < rounds + 2; round++) {
    let started = performance.now();
    const plainOutput = runPlain(plain, kernel);
    const plainMs = performance.now() - started;
    started = performance.now();
    const result = executeModule(metered, { fuel: 10n ** 13n, args: kernel.args, input: kernel.input });
    const meteredMs = performance.now() - started;
    if (Buffer.compare(Buffer.from(plainOutput), Buffer.from(result.stdout)) !== 0)
      throw new Error(`${kernel.name}: metered output differs`);
    fuel = result.fuelUsed;
    if (round >= 2) {
      plainTimes.push(plainMs);
      meteredTimes.push(meteredMs);
    }
  }
  const plainMs = median(plainTimes);
  const meteredMs = median(meteredTimes);
  perKernel[kernel.name] = {
    plainMs: +plainMs.toFixed(2),
    meteredMs: +meteredMs.toFixed(2),
    overhead: +(meteredMs / plainMs).toFixed(3),
    fuel: Number(fuel),
  };
  console.log(
    `${kernel.name}: plain ${plainMs.toFixed(1)} ms, metered ${meteredMs.toFixed(1)} ms, x${(meteredMs / plainMs).toFixed(3)}`,
  );
}

// Starting a run from a cached, compiled module, as every task does before `_start` (`startRun`):
// a fresh WASI host, a zeroed memory from the pool, a fresh instance.
const cached = prepareApp(await readExample('echo'));
const iterations = 5_000;
const samples: number[] = [];
for (let batch = 0; batch < 10; batch++) {
  const started = performance.now();
  for (let i = 0; i < iterations; i++) startRun(cached, { fuel: 1n }).release();
  samples.push(((performance.now() - started) * 1000) / iterations);
}
const instantiateUs = median(samples.slice(2));
console.log(`instantiate (cached module, fresh host): ${instantiateUs.toFixed(2)} µs`);

const results = {
  'metering.overhead': +median(Object.values(perKernel).map((kernel) => kernel.overhead)).toFixed(3),
  'instantiate.cached.us': +instantiateUs.toFixed(2),
  kernels: perKernel,
  machine: { node: process.version, cpus: (await import('node:os')).cpus().length },
};
mkdirSync(dirname(resultsFile), { recursive: true });
writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
console.log(
  JSON.stringify({
    'metering.overhead': results['metering.overhead'],
    'instantiate.cached.us': results['instantiate.cached.us'],
  }),
);
