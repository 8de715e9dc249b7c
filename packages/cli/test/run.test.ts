import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { examplePath, readExample } from '@agora/examples';
import { describeResult, executeModule, prepareApp } from '@agora/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const agora = fileURLToPath(new URL('../bin/agora.js', import.meta.url));
const run = promisify(execFile);

async function agoraRun(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [agora, 'run', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('agora run', () => {
  let directory: string;
  let inputFile: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'agora-cli-'));
    inputFile = path.join(directory, 'words.txt');
    await writeFile(inputFile, 'to be or not to be\n');
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('prints with --json exactly what the provider runtime computes for the same app, input and arguments', async () => {
    const { code, stdout } = await agoraRun([examplePath('wordcount'), '--input', inputFile, '--json', '--', '2']);
    expect(code).toBe(0);
    const printed = JSON.parse(stdout) as Record<string, unknown>;
    const expected = await describeResult(
      executeModule(prepareApp(await readExample('wordcount')), {
        fuel: 10_000_000_000n,
        args: ['2'],
        input: new TextEncoder().encode('to be or not to be\n'),
      }),
    );
    expect(printed).toMatchObject({
      outcome: 'exited',
      exitCode: 0,
      outputHash: expected.outputHash,
      outputCid: expected.outputCid,
      resultHash: expected.resultHash,
      fuelUsed: Number(expected.fuelUsed),
    });
    expect(Buffer.from(printed.stdout as string, 'base64').toString()).toBe('1 6 19\nbe 2\nto 2\n');
  });

  it('writes the app output to stdout, a summary to stderr, and exits with the app exit code', async () => {
    const { code, stdout, stderr } = await agoraRun([examplePath('echo'), '--', 'hi', '--exit=7']);
    expect(code).toBe(7);
    expect(stdout).toBe('hi\n');
    expect(stderr).toMatch(/exited with code 7 · fuel [\d,]+ · output bafkrei/);
  });

  it('reports running out of fuel as the outcome', async () => {
    const { stdout } = await agoraRun([examplePath('infinite-loop'), '--fuel', '100000', '--json']);
    expect(JSON.parse(stdout)).toMatchObject({ outcome: 'out-of-fuel', exitCode: null, fuelUsed: 100000 });
  });

  it('refuses a file that is not WebAssembly and a malformed flag with a code and exit status 2', async () => {
    const notWasm = await agoraRun([inputFile, '--json']);
    expect(notWasm.code).toBe(2);
    expect(JSON.parse(notWasm.stdout)).toMatchObject({ error: { code: 'AGORA_WASM_NOT_WASM' } });
    const badFuel = await agoraRun([examplePath('echo'), '--fuel', 'lots']);
    expect(badFuel.code).toBe(2);
    expect(badFuel.stderr).toContain('error AGORA_INVALID_ARGUMENT: --fuel: fuel must be a positive whole number');
  });
});
