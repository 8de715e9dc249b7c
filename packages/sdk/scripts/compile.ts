// The SDK's own C builds: WebAssembly with a clang that targets it (WASI_CC, clang-14 or clang), and a Node-API addon
// with the machine's C compiler (CC, cc, gcc, clang or clang-14). Each compiles only when the compiler, the flags or
// an input changed (a stamp file beside the output records what was built). A WebAssembly build is also checked in
// (prebuilt/, SHA-256 pinned with the hash of its inputs): without clang the pinned build is used, with clang the
// build must reproduce it byte for byte (`--pin` re-pins it). Without a compiler or a usable pinned build, it says so
// and returns: the SDK then falls back to its library path. Paths are given relative to the repository and the
// compiler runs there, so no clone's location ends up in a module (assertion messages carry __FILE__).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const prebuiltDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'prebuilt');
const pinsFile = path.join(prebuiltDir, 'pins.json');
const sha256Of = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const fromRepo = (text: string) => text.split(`${repoRoot}${path.sep}`).join('');
type Pins = { compiler: string; builds: Record<string, { inputs: string; output: string }> };
const readPins = async (): Promise<Pins> =>
  JSON.parse(await readFile(pinsFile, 'utf8').catch(() => '{"compiler":"","builds":{}}')) as Pins;

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

/** What the build reads, without where the repository is: the key of its pinned build. */
async function inputsOf(build: Build): Promise<string> {
  const hash = createHash('sha256').update(fromRepo(build.flags.join(' ')));
  for (const file of [...build.sources, ...(build.headers ?? [])]) hash.update(await readFile(file));
  return hash.digest('hex');
}

async function compileOnce(
  compiler: { command: string; version: string } | undefined,
  build: Build,
  pinned = false,
): Promise<void> {
  const name = path.basename(build.output);
  const inputs = pinned ? await inputsOf(build) : '';
  const pins = pinned ? await readPins() : undefined;
  const pin = pins?.builds[name];
  if (!compiler) {
    if (pinned && process.env.AGORA_REQUIRE_CLANG === '1')
      throw new Error(`${name} must be built from source here, but there is no clang for wasm32.`);
    const checkedIn =
      pin?.inputs === inputs ? await readFile(path.join(prebuiltDir, name)).catch(() => undefined) : undefined;
    if (pin && checkedIn && sha256Of(checkedIn) === pin.output) {
      await mkdir(path.dirname(build.output), { recursive: true });
      await writeFile(build.output, checkedIn);
      console.log(
        `${name}: no clang for wasm32 here, so its checked-in build (SHA-256 pinned in prebuilt/pins.json) is used`,
      );
    } else console.log(`${name}: ${build.without}`);
    return;
  }
  const fingerprint = createHash('sha256').update(compiler.version).update(build.flags.join(' '));
  for (const file of [...build.sources, ...(build.headers ?? [])]) fingerprint.update(await readFile(file));
  const stamp = fingerprint.digest('hex');
  const stampFile = `${build.output}.stamp`;
  const repin = pinned && process.argv.includes('--pin');
  if (!repin && (await readFile(stampFile, 'utf8').catch(() => '')) === stamp && existsSync(build.output)) {
    console.log(`${name} up to date`);
    return;
  }
  await mkdir(path.dirname(build.output), { recursive: true });
  await run(compiler.command, [...build.flags, ...build.sources, '-o', build.output].map(fromRepo), { cwd: repoRoot });
  if (pins) {
    const output = sha256Of(await readFile(build.output));
    if (repin) {
      await mkdir(prebuiltDir, { recursive: true });
      await writeFile(path.join(prebuiltDir, name), await readFile(build.output));
      pins.builds[name] = { inputs, output };
      pins.compiler = compiler.version;
      await writeFile(pinsFile, `${JSON.stringify(pins, null, 2)}\n`);
    } else if (pin?.inputs !== inputs) {
      throw new Error(
        `${name}'s inputs changed since its checked-in build: run this build with --pin and commit prebuilt/.`,
      );
    } else if (pin.output !== output) {
      throw new Error(
        `${compiler.version} built ${name} into a module that is not its checked-in build (pinned with ${pins.compiler}).`,
      );
    }
  }
  await writeFile(stampFile, stamp);
  console.log(`built ${path.relative(process.cwd(), build.output)}`);
}

export async function buildWasm(build: Build): Promise<void> {
  await compileOnce(await findCompiler([process.env.WASI_CC, 'clang-14', 'clang']), build, true);
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
