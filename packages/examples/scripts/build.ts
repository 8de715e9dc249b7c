// Builds the example apps: AssemblyScript sources with asc (WASI shim), text-format modules with wabt, C sources
// with clang and wasi-libc (Debian: apt-get install clang-14 lld-14 wasi-libc libclang-rt-dev-wasm32).
// Outputs go to build/<name>.wasm; a module is rebuilt only when its sources or the compilers change.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

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

/** A clang that targets wasm32-wasi, or an error that says what to install. */
async function findClang(): Promise<{ command: string; version: string }> {
  for (const command of [process.env.WASI_CC, 'clang-14', 'clang'].filter((c): c is string => Boolean(c))) {
    try {
      const { stdout } = await run(command, ['--version']);
      return { command, version: stdout.split('\n')[0] ?? command };
    } catch {
      // try the next name
    }
  }
  throw new Error(
    'The C examples need clang with wasi-libc. On Debian: apt-get install -y clang-14 lld-14 wasi-libc libclang-rt-dev-wasm32 (or set WASI_CC).',
  );
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
  const cDir = path.join(root, 'c');
  // `--skip-c`: only what needs no system compiler (the demo of `npm start` runs on a machine without clang).
  const skipC = process.argv.includes('--skip-c');
  const cSources = skipC ? [] : (await readdir(cDir)).filter((entry) => entry.endsWith('.c'));
  let clang: { command: string; version: string } | undefined;
  for (const file of cSources) {
    clang ??= await findClang();
    const name = file.slice(0, -2);
    const source = path.join(cDir, file);
    const fingerprint = await stamp([source], clang.version);
    if (await upToDate(name, fingerprint)) continue;
    const output = path.join(buildDir, `${name}.wasm`);
    // Debian's wasi-libc lives in /usr/include/wasm32-wasi and /usr/lib/wasm32-wasi, which --sysroot=/usr finds.
    await run(clang.command, [
      '--target=wasm32-wasi',
      '--sysroot=/usr',
      '-O2',
      '-Wl,--strip-all',
      source,
      '-o',
      output,
    ]);
    await writeFile(path.join(buildDir, `${name}.stamp`), fingerprint);
    built.push(name);
  }

  console.log(built.length > 0 ? `built ${built.join(', ')}` : 'examples up to date');
}

await main();
