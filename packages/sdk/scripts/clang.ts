// Finds a clang that targets WebAssembly (WASI_CC, clang-14 or clang), for the SDK's own WebAssembly builds.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function findClang(): Promise<{ command: string; version: string } | undefined> {
  for (const command of [process.env.WASI_CC, 'clang-14', 'clang'].filter((c): c is string => Boolean(c))) {
    try {
      const { stdout } = await run(command, ['--version']);
      return { command, version: stdout.split('\n')[0] ?? command };
    } catch {
      // not this one
    }
  }
  return undefined;
}
