// Builds the example apps: AssemblyScript sources with asc (WASI shim), text-format modules with wabt, C sources
// with clang and wasi-libc where this machine has them, and from their checked-in builds where it does not.
// Outputs go to build/<name>.wasm; a module is rebuilt only when its sources or the compilers change.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { z } from 'zod';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const buildDir = path.join(root, 'build');
const shimConfig = require.resolve('@assemblyscript/wasi-shim/asconfig.json');
const ascVersion = (require('assemblyscript/package.json') as { version: string }).version;
const wabtVersion = (require('wabt/package.json') as { version: string }).version;

async function stamp(files: string[], compiler: string): Promise<string> {
  const hash = createHash('sha256').update(compiler);
  for (const file of files) hash.update(await readFile(file));
  return hash.digest('hex');
}

async function upToDate(name: string, fingerprint: string): Promise<boolean> {
  try {
    return (await readFile(path.join(buildDir, `${name}.stamp`), 'utf8')) === fingerprint;
  } catch {
    return false;
  }
}

const run = promisify(execFile);

/** A clang that targets wasm32-wasi with wasi-libc, if this machine has one. */
async function findClang(): Promise<{ command: string; version: string } | undefined> {
  for (const command of [process.env.WASI_CC, 'clang-14', 'clang'].filter((c): c is string => Boolean(c))) {
    try {
      const { stdout } = await run(command, ['--version']);
      return { command, version: stdout.split('\n')[0] ?? command };
    } catch {
      // try the next name
    }
  }
  return undefined;
}

const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const installClang =
  'apt-get install -y clang-14 lld-14 wasi-libc libclang-rt-dev-wasm32 on Debian, or set WASI_CC to a wasm32-wasi clang';

// The C examples' checked-in builds: what a machine without clang runs, pinned by the SHA-256 of each module and
// of the source it was built from. Where clang is present the build must reproduce them byte for byte (CI has clang),
// so the checked-in modules are the C sources' output, not something else.
const prebuiltDir = path.join(root, 'prebuilt');
const pinsFile = path.join(prebuiltDir, 'pins.json');
const pinsSchema = z.object({
  compiler: z.string(),
  modules: z.record(z.string(), z.object({ source: z.string(), wasm: z.string() })),
});

/**
 * Builds the C examples with clang, checked against their pinned builds; without clang, uses the pinned builds and
 * says so. `--pin-c` writes what clang built as the new pinned builds (after a change to a C source).
 */
async function buildC(): Promise<string[]> {
  const cDir = path.join(root, 'c');
  const names = (await readdir(cDir)).filter((entry) => entry.endsWith('.c')).map((file) => file.slice(0, -2));
  const pins = pinsSchema.parse(JSON.parse(await readFile(pinsFile, 'utf8')));
  const pin = process.argv.includes('--pin-c');
  const clang = await findClang();
  if (!clang && (pin || process.env.AGORA_REQUIRE_CLANG === '1')) {
    throw new Error(`The C examples must be built from source here, but there is no clang: ${installClang}.`);
  }
  const built: string[] = [];
  for (const name of names) {
    const source = await readFile(path.join(cDir, `${name}.c`));
    const pinned = pins.modules[name];
    const stale = pinned?.source !== sha256Of(source);
    const output = path.join(buildDir, `${name}.wasm`);
    if (!clang) {
      if (!pinned || stale) {
        throw new Error(
          `c/${name}.c changed since its checked-in build; build it with clang and --pin-c (${installClang}).`,
        );
      }
      const fingerprint = `pinned ${pinned.wasm}`;
      if (await upToDate(name, fingerprint)) continue;
      const wasm = await readFile(path.join(prebuiltDir, `${name}.wasm`));
      if (sha256Of(wasm) !== pinned.wasm) throw new Error(`prebuilt/${name}.wasm does not have its pinned SHA-256.`);
      await writeFile(output, wasm);
      await writeFile(path.join(buildDir, `${name}.stamp`), fingerprint);
      built.push(`${name} (checked-in build)`);
      continue;
    }
    const fingerprint = await stamp([path.join(cDir, `${name}.c`)], clang.version);
    if (!pin && (await upToDate(name, fingerprint))) continue;
    // Debian's wasi-libc lives in /usr/include/wasm32-wasi and /usr/lib/wasm32-wasi, which --sysroot=/usr finds.
    await run(
      clang.command,
      ['--target=wasm32-wasi', '--sysroot=/usr', '-O2', '-Wl,--strip-all', `c/${name}.c`, '-o', output],
      {
        cwd: root,
      },
    );
    const wasm = await readFile(output);
    if (pin) {
      await writeFile(path.join(prebuiltDir, `${name}.wasm`), wasm);
      pins.modules[name] = { source: sha256Of(source), wasm: sha256Of(wasm) };
      pins.compiler = clang.version;
    } else if (stale) {
      throw new Error(
        `c/${name}.c changed since its checked-in build: run this build with --pin-c and commit prebuilt/.`,
      );
    } else if (sha256Of(wasm) !== pinned.wasm) {
      throw new Error(
        `${clang.version} built c/${name}.c into a module that is not its checked-in build (pinned with ${pins.compiler}): the pinned build no longer matches its source's output.`,
      );
    }
    await writeFile(path.join(buildDir, `${name}.stamp`), fingerprint);
    built.push(name);
  }
  if (pin) await writeFile(pinsFile, `${JSON.stringify(pins, null, 2)}\n`);
  if (!clang && built.length > 0) {
    console.log(
      `C examples: no clang with wasi-libc here, so the checked-in builds of ${names.join(', ')} (SHA-256 pinned in prebuilt/pins.json) are used; to build them from source: ${installClang}.`,
    );
  }
  return built;
}

async function main(): Promise<void> {
  await mkdir(buildDir, { recursive: true });
  const assemblyDir = path.join(root, 'assembly');
  const libFiles = (await readdir(path.join(assemblyDir, 'lib'))).map((file) => path.join(assemblyDir, 'lib', file));
  const sources = (await readdir(assemblyDir)).filter((file) => file.endsWith('.ts'));
  const built: string[] = [];

  const asc = (await import('assemblyscript/asc')).default;
  for (const file of sources) {
    const name = file.slice(0, -3);
    const fingerprint = await stamp([path.join(assemblyDir, file), ...libFiles], `asc ${ascVersion}`);
    if (await upToDate(name, fingerprint)) continue;
    const output = path.join(buildDir, `${name}.wasm`);
    const errors: string[] = [];
    const { error } = await asc.main(
      [
        path.relative(process.cwd(), path.join(assemblyDir, file)),
        '--config',
        path.relative(process.cwd(), shimConfig),
        '-O3',
        '--runtime',
        'stub',
        '--noAssert',
        '-o',
        output,
      ],
      {
        stdout: { write: () => true },
        stderr: { write: (text: string | Uint8Array) => (errors.push(String(text)), true) },
      },
    );
    if (error) throw new Error(`asc failed on ${file}: ${error.message}\n${errors.join('')}`);
    await writeFile(path.join(buildDir, `${name}.stamp`), fingerprint);
    built.push(name);
  }

  const wabt = await (await import('wabt')).default();
  const watDir = path.join(root, 'wat');
  for (const file of (await readdir(watDir)).filter((entry) => entry.endsWith('.wat'))) {
    const name = file.slice(0, -4);
    const source = path.join(watDir, file);
    const fingerprint = await stamp([source], `wabt ${wabtVersion}`);
    if (await upToDate(name, fingerprint)) continue;
    const parsed = wabt.parseWat(file, await readFile(source, 'utf8'), {
      simd: true,
      multi_value: true,
      bulk_memory: true,
      sign_extension: true,
    });
    await writeFile(path.join(buildDir, `${name}.wasm`), parsed.toBinary({}).buffer);
    parsed.destroy();
    await writeFile(path.join(buildDir, `${name}.stamp`), fingerprint);
    built.push(name);
  }
  built.push(...(await buildC()));
  console.log(built.length > 0 ? `built ${built.join(', ')}` : 'examples up to date');
}

await main();
