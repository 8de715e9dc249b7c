// Starts the indexer (Ponder, in a child process: it owns its database and its HTTP server) for a deployment,
// and stops it. `agora dev` and the tests use this; in production run `ponder start` in apps/indexer with the
// same environment.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgoraError, errorCodes } from '@agora/errors';
import type { Deployment } from '@agora/sdk/deployment';
import { freePort } from '@agora/service';

export type IndexerOptions = {
  rpcUrl: string;
  deployment: Deployment;
  /** Working directory: the deployment file, PGlite's data (without `databaseUrl`) and the log go here. */
  dir: string;
  /** A Postgres connection string; PGlite in `dir` without it. */
  databaseUrl?: string;
  /** The database schema Ponder writes (one per indexer sharing a Postgres database). */
  schema?: string;
  port?: number;
  /** How long to wait for the indexer to be ready (caught up with the chain). */
  readyTimeoutMs?: number;
  /** Where Ponder's own log lines go (JSON lines); none by default. */
  onLog?: (line: string) => void;
};

export type RunningIndexer = { url: string; stop(): Promise<void> };

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Ponder's command-line entry, from the node_modules folders above the indexer (npm hoists it to the root). */
function ponderBin(): string {
  for (let dir = root; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', 'ponder', 'dist', 'esm', 'bin', 'ponder.js');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir)
      throw new AgoraError(errorCodes.CONFIG_INVALID, 'ponder is not installed; run npm ci.');
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/**
 * Starts Ponder on the deployment and resolves once its API answers `/ready` (it has caught up with the chain).
 * @example
 * const indexer = await startIndexer({ rpcUrl, deployment, dir: '/tmp/indexer' })
 * await fetch(`${indexer.url}/providers`)
 */
export async function startIndexer(options: IndexerOptions): Promise<RunningIndexer> {
  const dir = path.resolve(options.dir);
  await mkdir(dir, { recursive: true });
  const deploymentFile = path.join(dir, 'deployment.json');
  await writeFile(deploymentFile, JSON.stringify(options.deployment, null, 2));
  const port = options.port ?? (await freePort());
  const bin = ponderBin();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AGORA_RPC_URL: options.rpcUrl,
    AGORA_DEPLOYMENT: deploymentFile,
    AGORA_INDEXER_DIR: path.join(dir, 'pglite'),
    PONDER_TELEMETRY_DISABLED: 'true',
    NODE_NO_WARNINGS: '1',
  };
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  else delete env.DATABASE_URL;
  const child = spawn(
    process.execPath,
    [
      bin,
      '--root',
      root,
      '--log-format',
      'json',
      'start',
      '--port',
      String(port),
      '--hostname',
      '127.0.0.1',
      '--schema',
      options.schema ?? 'agora',
    ],
    // Ponder writes its generated files (generated/schema.graphql) under the working directory.
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const tail: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line) continue;
      tail.push(line);
      if (tail.length > 40) tail.shift();
      options.onLog?.(line);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited(child);
    clearTimeout(killer);
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new AgoraError(errorCodes.SERVICE_UNAVAILABLE, `The indexer exited (code ${child.exitCode}).`, {
        details: tail.join('\n'),
      });
    }
    const ready = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    if (ready?.status === 200) return { url, stop };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new AgoraError(errorCodes.TIMEOUT, 'The indexer did not become ready in time.', { details: tail.join('\n') });
}
