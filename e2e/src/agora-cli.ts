// Runs the real `agora` binary the way a user does, with `--json`, and reads what it printed.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const agoraBin = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'packages',
  'cli',
  'bin',
  'agora.js',
);

export type CliResult = { code: number; json: Record<string, unknown>; stderr: string };

export async function agora(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  try {
    // `--json` goes before a `--`: what follows it is the app's.
    const split = args.indexOf('--');
    const withJson = split < 0 ? [...args, '--json'] : [...args.slice(0, split), '--json', ...args.slice(split)];
    const { stdout, stderr } = await run(process.execPath, [agoraBin, ...withJson], {
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, json: JSON.parse(stdout) as Record<string, unknown>, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(failed.stdout ?? '') as Record<string, unknown>;
    } catch {
      throw new Error(`agora ${args.join(' ')} failed without JSON: ${failed.stderr ?? String(error)}`);
    }
    return { code: failed.code ?? 1, json, stderr: failed.stderr ?? '' };
  }
}

export const errorCodeOf = (result: CliResult) => (result.json.error as { code: string } | undefined)?.code;
