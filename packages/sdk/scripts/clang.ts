// The SDK's own WebAssembly builds: find a clang that targets WebAssembly (WASI_CC, clang-14 or clang) and compile
// only when the compiler, the flags or a source changed (a stamp file beside the output records what was built).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
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

/**
 * Compiles `sources` with `flags` into `output` unless the stamp says this exact build is there already. Without
 * clang it prints `withoutClang` and returns: the SDK falls back to its library path.
 */
export async function buildWasm(options: {
  output: string;
  sources: string[];
  flags: string[];
  withoutClang: string;
}): Promise<void> {
  const name = path.basename(options.output);
  const clang = await findClang();
  if (!clang) {
    console.log(`${name}: ${options.withoutClang}`);
    return;
  }
  const fingerprint = createHash('sha256').update(clang.version).update(options.flags.join(' '));
  for (const source of options.sources) fingerprint.update(await readFile(source));
  const stamp = fingerprint.digest('hex');
  const stampFile = `${options.output}.stamp`;
  if ((await readFile(stampFile, 'utf8').catch(() => '')) === stamp) {
    console.log(`${name} up to date`);
    return;
  }
  await mkdir(path.dirname(options.output), { recursive: true });
  await run(clang.command, [...options.flags, ...options.sources, '-o', options.output]);
  await writeFile(stampFile, stamp);
  console.log(`built ${path.relative(process.cwd(), options.output)}`);
}
