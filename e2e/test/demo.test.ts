// `npm start` as a newcomer runs it: `agora dev --demo` on a chain with a block every second, every demo task's
// output as the user reads it, and the storage demo's file read back.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agoraBin } from '../src/agora-cli.js';

describe('the demo of npm start', () => {
  let dev: ChildProcess | undefined;
  let dir: string | undefined;

  afterAll(async () => {
    if (dev && dev.exitCode === null) {
      const gone = new Promise((resolve) => dev?.once('exit', resolve));
      dev.kill('SIGINT');
      await gone;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs every demo task and the storage demo to a checked output', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'agora-demo-'));
    // What `npm start` runs once the builds are done (the global set-up builds the same).
    dev = spawn(process.execPath, [agoraBin, 'dev', '--demo', '--dir', path.join(dir, 'net')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    dev.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    dev.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (stdout.includes('the network keeps running')) finish();
        else if (dev?.exitCode !== null) finish(new Error(`agora dev exited: ${stderr}\n${stdout}`));
      }, 200);
      const finish = (error?: Error) => {
        clearInterval(timer);
        if (error) reject(error);
        else resolve();
      };
    });
    const demoLines = stdout.split('\n').filter((line) => line.startsWith('demo: '));
    expect(
      demoLines.filter((line) => line.includes(': failed: ')),
      stdout,
    ).toEqual([]);
    const line = (what: string) => demoLines.find((candidate) => candidate.startsWith(`demo: ${what}: `)) ?? '';
    // wordcount prints lines, words and bytes first; sha256 the digest of its stdin; primes their count, the largest
    // and their sum.
    expect(line('count words')).toMatch(/^demo: count words: finalized, .* output "1 9 44"$/);
    const digest = createHash('sha256').update('agora').digest('hex');
    expect(line('hash a string on 3 providers')).toMatch(
      new RegExp(`^demo: hash a string on 3 providers: finalized, .* output "${digest}"$`),
    );
    expect(line('primes below 1000 on 3 providers')).toMatch(/: finalized, .* output "168 997 76127"$/);
    expect(line('store 256 KiB encrypted with 2 providers')).toMatch(/read back identical/);
    expect(demoLines).toHaveLength(4);
  }, 300_000);
});
