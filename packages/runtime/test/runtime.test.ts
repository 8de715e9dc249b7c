import { createHash } from 'node:crypto';
import { readExample } from '@agora/examples';
import { AgoraError, errorCodes } from '@agora/errors';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createRuntimePool,
  describeResult,
  executeModule,
  prepareApp,
  resultHashOf,
  type RunRequest,
} from '../src/index.js';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const bytesOf = (value: string): Uint8Array => new TextEncoder().encode(value);
const fuel = 10_000_000_000n;

async function run(name: Parameters<typeof readExample>[0], request: Partial<RunRequest> = {}, policy = {}) {
  const app = prepareApp(await readExample(name), policy);
  return executeModule(app, { fuel, ...request });
}

async function rejection(bytes: Uint8Array | Promise<Uint8Array>, policy = {}): Promise<AgoraError> {
  const module = await bytes;
  try {
    prepareApp(module, policy);
  } catch (error) {
    if (error instanceof AgoraError) return error;
    throw error;
  }
  throw new Error('the module was accepted');
}

describe('example apps give the results of the same computation done outside WASM', () => {
  it('hashes stdin to the SHA-256 node:crypto computes', async () => {
    const input = new Uint8Array(1_000_003).map((_, i) => (i * 31 + 7) & 0xff);
    const result = await run('sha256', { input });
    expect(result.outcome).toBe('exited');
    expect(text(result.stdout)).toBe(`${createHash('sha256').update(input).digest('hex')}\n`);
  });

  it('sorts numbers ascending, and descending when asked', async () => {
    const numbers = Array.from({ length: 2000 }, (_, i) => ((i * 7919) % 10007) - 5000);
    const input = bytesOf(numbers.join(' '));
    const ascending = [...numbers].sort((a, b) => a - b);
    expect(text((await run('sort', { input })).stdout)).toBe(`${ascending.join('\n')}\n`);
    expect(text((await run('sort', { input, args: ['desc'] })).stdout)).toBe(
      `${[...ascending].reverse().join('\n')}\n`,
    );
  });

  it('refuses a non-number with exit code 2 and says why on stderr', async () => {
    const result = await run('sort', { input: bytesOf('3 1 x 2') });
    expect(result).toMatchObject({ outcome: 'exited', exitCode: 2 });
    expect(text(result.stderr)).toContain('not a number at byte 4');
  });

  it('counts lines, words and bytes and ranks the most frequent words', async () => {
    const input = bytesOf('the cat and the dog\nthe end\n');
    expect(text((await run('wordcount', { input, args: ['2'] })).stdout)).toBe('2 7 28\nthe 3\nand 1\n');
  });

  it('counts the primes up to N with a sieve', async () => {
    expect(text((await run('primes', { args: ['100000'] })).stdout)).toBe('9592 99991 454396537\n');
  });

  it('multiplies matrices bit-for-bit like IEEE doubles in JavaScript', async () => {
    const n = 24;
    let seed = 12345;
    const next = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) / 16777216 - 0.5;
    };
    const a = Array.from({ length: n * n }, next);
    const b = Array.from({ length: n * n }, next);
    const c = new Array<number>(n * n).fill(0);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) c[i * n + j]! += a[i * n + k]! * b[k * n + j]!;
    let trace = 0;
    let total = 0;
    for (let i = 0; i < n; i++) trace += c[i * n + i]!;
    for (const value of c) total += value;
    const [size, wasmTrace, wasmTotal] = text((await run('matmul', { args: [String(n)] })).stdout)
      .trim()
      .split(' ');
    expect([Number(size), Number(wasmTrace), Number(wasmTotal)]).toEqual([n, trace, total]);
  });

  it('runs C compiled by clang against wasi-libc: stdio, arguments, exit codes and the frozen clock', async () => {
    const clockNs = 1_767_225_600_999_000_000n;
    const rotated = await run('rot13', { args: ['3'], input: bytesOf('Hello, World! xyz\n'), clockNs });
    expect(rotated).toMatchObject({ outcome: 'exited', exitCode: 0 });
    expect(text(rotated.stdout)).toBe('Khoor, Zruog! abc\n');
    expect(text(rotated.stderr)).toBe('rot13: 18 bytes at 1767225600\n');
    const again = await run('rot13', { args: ['3'], input: bytesOf('Hello, World! xyz\n'), clockNs });
    expect(again.fuelUsed).toBe(rotated.fuelUsed);
    expect(await run('rot13', { input: new Uint8Array() })).toMatchObject({ outcome: 'exited', exitCode: 3 });
  });

  it('runs C that sorts with qsort and formats doubles with printf the way C on any machine does', async () => {
    const numbers = Array.from({ length: 2001 }, (_, i) => ((i * 7919) % 2003) / 8 - 100);
    const sorted = [...numbers].sort((a, b) => a - b);
    const mean = numbers.reduce((sum, value) => sum + value, 0) / numbers.length;
    const result = await run('stats', { input: bytesOf(numbers.join(' ')) });
    expect(result).toMatchObject({ outcome: 'exited', exitCode: 0 });
    expect(text(result.stdout)).toBe(
      [
        `count ${numbers.length}`,
        `min ${sorted[0]!.toFixed(6)}`,
        `median ${sorted[1000]!.toFixed(6)}`,
        `max ${sorted[numbers.length - 1]!.toFixed(6)}`,
        `mean ${mean.toFixed(6)}`,
        '',
      ].join('\n'),
    );
  });

  it('passes arguments and stdin, keeps stderr out of the result and reports the exit code', async () => {
    const result = await describeResult(
      await run('echo', { args: ['hello', 'world', '--exit=5'], input: bytesOf('input bytes') }),
    );
    expect(text(result.stdout)).toBe('hello world\ninput bytes');
    expect(text(result.stderr)).toBe('echo: 11 bytes of input\n');
    expect(result).toMatchObject({ outcome: 'exited', exitCode: 5 });
    const stdoutHash = createHash('sha256').update(result.stdout).digest();
    expect(result.outputHash).toBe(`0x${stdoutHash.toString('hex')}`);
    expect(result.resultHash).toBe(resultHashOf('exited', 5, stdoutHash));
    expect(result.resultHash).not.toBe(resultHashOf('exited', 0, stdoutHash));
  });
});

describe('modules from other toolchains', () => {
  it('runs multi-value, tables, br_table, sign extension and bulk memory from hand-written WAT', async () => {
    const result = await run('features');
    expect(text(result.stdout)).toBe('features 55 6 -1 abcabc\n');
    expect(result).toMatchObject({ outcome: 'exited', exitCode: 3 });
  });

  it('turns every NaN an operation produces into the canonical NaN', async () => {
    const result = await run('nan');
    expect([...result.stdout]).toEqual([0x00, 0x00, 0xc0, 0x7f, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f]);
  });

  it('reports a trap as a deterministic outcome and keeps the output written before it', async () => {
    const result = await run('trap');
    expect(result).toMatchObject({ outcome: 'trapped', exitCode: null });
    expect(result.trap).toMatch(/divide by zero/);
    expect(text(result.stdout)).toBe('before\n');
  });
});

describe('determinism', () => {
  it('gives the same bytes and the same fuel on every run', async () => {
    const input = bytesOf('5 3 9 1 7 '.repeat(500));
    const first = await run('sort', { input });
    const again = await run('sort', { input });
    expect(again.stdout).toEqual(first.stdout);
    expect(again.fuelUsed).toBe(first.fuelUsed);
    expect(first.fuelUsed).toBeGreaterThan(0n);
  });

  it('never lets memory written by one run show in the next', async () => {
    const app = prepareApp(await readExample('memory-probe'));
    for (let i = 0; i < 3; i++) expect([...executeModule(app, { fuel }).stdout]).toEqual([0, 0, 0, 0]);
  });

  it('derives the clock from the request and the random stream from the task id', async () => {
    const seed = new Uint8Array(32).fill(7);
    const clockNs = 1_767_225_600_123_000_000n;
    const first = text((await run('entropy', { seed, clockNs })).stdout);
    const second = text((await run('entropy', { seed, clockNs })).stdout);
    const otherTask = text((await run('entropy', { seed: new Uint8Array(32).fill(8), clockNs })).stdout);
    expect(second).toBe(first);
    expect(first).toMatch(/^1767225600123 [0-9a-f]{32}\n$/);
    expect(otherTask.split(' ')[1]).not.toBe(first.split(' ')[1]);
  });
});

describe('fuel', () => {
  it('is exact: a run with exactly the fuel it used succeeds, one unit less runs out', async () => {
    const exact = await run('features');
    expect(exact.outcome).toBe('exited');
    expect((await run('features', { fuel: exact.fuelUsed })).outcome).toBe('exited');
    const short = await run('features', { fuel: exact.fuelUsed - 1n });
    expect(short).toMatchObject({ outcome: 'out-of-fuel', exitCode: null, fuelUsed: exact.fuelUsed - 1n });
  });

  it('grows with the work done', async () => {
    const small = await run('primes', { args: ['10000'] });
    const large = await run('primes', { args: ['100000'] });
    expect(large.fuelUsed).toBeGreaterThan(small.fuelUsed * 5n);
  });
});

describe('hostile apps stop with deterministic outcomes', () => {
  it('an infinite loop runs out of fuel', async () => {
    const result = await run('infinite-loop', { fuel: 5_000_000n });
    expect(result).toMatchObject({ outcome: 'out-of-fuel', fuelUsed: 5_000_000n });
  });

  it('a memory bomb hits the memory limit and traps', async () => {
    const result = await run('memory-bomb', {}, { maxMemoryPages: 256 });
    expect(result.outcome).toBe('trapped');
    const again = await run('memory-bomb', {}, { maxMemoryPages: 256 });
    expect(again.fuelUsed).toBe(result.fuelUsed);
  });

  it('deep recursion stops at the call-depth limit, before the engine stack', async () => {
    const result = await run('deep-recursion', {}, { maxCallDepth: 5000 });
    expect(result.outcome).toBe('call-depth-exceeded');
  });

  it('huge output stops at the output limit', async () => {
    const result = await run('huge-output', { limits: { maxOutputBytes: 1 << 20 } });
    expect(result.outcome).toBe('output-limit');
    expect(result.stdout.length).toBe(1 << 20);
  });
});

describe('modules the runtime refuses, with the reason', () => {
  it.each([
    [
      'bytes that are not WebAssembly',
      bytesOf('#!/bin/sh\necho hi\n'),
      errorCodes.WASM_NOT_WASM,
      /not a WebAssembly module/,
    ],
    [
      'a truncated module',
      readExample('features').then((bytes) => bytes.subarray(0, 60)),
      errorCodes.WASM_MALFORMED,
      /does not validate/,
    ],
    ['a module without _start', readExample('no-start'), errorCodes.WASM_NO_START, /_start/],
    ['a socket import', readExample('network'), errorCodes.WASM_IMPORT_NOT_ALLOWED, /sock_send.*no network/],
    ['an import outside WASI', readExample('host-import'), errorCodes.WASM_IMPORT_NOT_ALLOWED, /env\.now/],
    ['SIMD', readExample('simd'), errorCodes.WASM_FEATURE_NOT_ALLOWED, /SIMD/],
    ['a start section', readExample('start-section'), errorCodes.WASM_FEATURE_NOT_ALLOWED, /start section/],
  ])('%s', async (_, bytes, code, message) => {
    const error = await rejection(bytes);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('rejects floats under the "reject" policy and accepts integer-only modules', async () => {
    const error = await rejection(readExample('matmul'), { floats: 'reject' });
    expect(error.code).toBe(errorCodes.WASM_FLOAT_NOT_ALLOWED);
    expect(prepareApp(await readExample('features'), { floats: 'reject' }).info.usesFloats).toBe(false);
  });

  it('refuses a module that needs more memory at start than the limit', async () => {
    const error = await rejection(readExample('features'), { maxMemoryPages: 0 });
    expect(error.code).toBe(errorCodes.RUNTIME_LIMIT_EXCEEDED);
  });
});

describe('worker pool', () => {
  const pool = createRuntimePool({ size: 2, timeoutMs: 1_500 });
  afterAll(() => pool.close());

  it('runs apps in workers with the same result as in-thread', async () => {
    const app = prepareApp(await readExample('primes'));
    const [inWorker, inThread] = await Promise.all([
      pool.run(app, { fuel, args: ['50000'] }),
      Promise.resolve(executeModule(app, { fuel, args: ['50000'] })),
    ]);
    expect(text(inWorker.stdout)).toBe('5133 49999 121013308\n');
    expect(inWorker.fuelUsed).toBe(inThread.fuelUsed);
  });

  it('stops a run at the wall-clock limit and keeps serving', async () => {
    const loop = prepareApp(await readExample('infinite-loop'));
    await expect(pool.run(loop, { fuel: 10n ** 15n })).rejects.toMatchObject({ code: errorCodes.RUNTIME_TIMEOUT });
    const echo = prepareApp(await readExample('echo'));
    expect(text((await pool.run(echo, { fuel, args: ['still', 'alive'] })).stdout)).toBe('still alive\n');
  });
});
