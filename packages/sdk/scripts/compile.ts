// The SDK's own C builds: WebAssembly with a clang that targets it (WASI_CC, clang-14 or clang), and a Node-API addon
// with the machine's C compiler (CC, cc, gcc, clang or clang-14). Each compiles only when the compiler, the flags or
// an input changed (a stamp file beside the output records what was built), and without a compiler says so and
// returns: the SDK then falls back to its library path.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function findCompiler(
  candidates: (string | undefined)[],
): Promise<{ command: string; version: string } | undefined> {
  for (const command of candidates.filter((c): c is string => Boolean(c))) {
    try {
      const { stdout } = await run(command, ['--version']);
      return { command, version: stdout.split('\n')[0] ?? command };
    } catch {
      // not this one
    }
  }
  return undefined;
}

type Build = {
  output: string;
  sources: string[];
  /** Files the sources include: not compiled, but a change to them rebuilds. */
  headers?: string[];
  flags: string[];
  /** What to say when there is no compiler (or, for the addon, no Node-API headers). */
  without: string;
};

async function compileOnce(compiler: { command: string; version: string } | undefined, build: Build): Promise<void> {
  const name = path.basename(build.output);
  if (!compiler) {
    console.log(`${name}: ${build.without}`);
    return;
  }
  const fingerprint = createHash('sha256').update(compiler.version).update(build.flags.join(' '));
  for (const file of [...build.sources, ...(build.headers ?? [])]) fingerprint.update(await readFile(file));
  const stamp = fingerprint.digest('hex');
  const stampFile = `${build.output}.stamp`;
  if ((await readFile(stampFile, 'utf8').catch(() => '')) === stamp && existsSync(build.output)) {
    console.log(`${name} up to date`);
    return;
  }
  await mkdir(path.dirname(build.output), { recursive: true });
  await run(compiler.command, [...build.flags, ...build.sources, '-o', build.output]);
  await writeFile(stampFile, stamp);
  console.log(`built ${path.relative(process.cwd(), build.output)}`);
}

export async function buildWasm(build: Build): Promise<void> {
  await compileOnce(await findCompiler([process.env.WASI_CC, 'clang-14', 'clang']), build);
}

/**
 * The Node-API headers: the `node-api-headers` package (a dev dependency, so every install has them), else Node's
 * own beside the running node or under npm's `nodedir`. Node-API is ABI-stable, so the addon loads in any Node that
 * has the version it asks for (NAPI_VERSION 8: Node 12.22 and later).
 */
export function nodeApiHeaders(): string | undefined {
  const candidates: string[] = [];
  try {
    candidates.push(
      path.join(path.dirname(createRequire(import.meta.url).resolve('node-api-headers/package.json')), 'include'),
    );
  } catch {
    // not installed
  }
  for (const prefix of [path.dirname(path.dirname(process.execPath)), process.env.npm_config_nodedir]) {
    if (prefix) candidates.push(path.join(prefix, 'include', 'node'));
  }
  return candidates.find((dir) => existsSync(path.join(dir, 'node_api.h')));
}

export async function buildNodeAddon(build: Build): Promise<void> {
  const headers = nodeApiHeaders();
  const compiler = headers ? await findCompiler([process.env.CC, 'cc', 'gcc', 'clang', 'clang-14']) : undefined;
  await compileOnce(compiler, { ...build, flags: [...build.flags, '-DNAPI_VERSION=8', `-I${headers ?? ''}`] });
}
