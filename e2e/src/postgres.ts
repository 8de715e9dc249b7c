// A real PostgreSQL server for tests, on a port and in a directory of its own: found (or installed with apt when
// missing and allowed), initialised, started, and removed again.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@agora/service';

export type Postgres = { url: string; stop(): Promise<void> };

function binDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((name) => existsSync(path.join(base, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : path.join(base, versions[0], 'bin');
}

function findOrInstall(): string {
  const found = binDir();
  if (found) return found;
  if (process.getuid?.() === 0) {
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'postgresql'], { stdio: 'ignore' });
    const installed = binDir();
    if (installed) return installed;
  }
  throw new Error('PostgreSQL is not installed: run `apt-get install -y postgresql` (.ci/run does).');
}

/** Starts a throwaway PostgreSQL server; `url` connects to its `postgres` database as user `agora`. */
export async function startPostgres(): Promise<Postgres> {
  const bin = findOrInstall();
  const dir = await mkdtemp(path.join(tmpdir(), 'agora-pg-'));
  const data = path.join(dir, 'data');
  // initdb refuses to run as root: as root, the cluster belongs to (and the server runs as) `postgres`.
  const user =
    process.getuid?.() === 0
      ? {
          uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
          gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
        }
      : {};
  if (user.uid !== undefined) {
    await chown(dir, user.uid, user.gid);
    await chmod(dir, 0o700);
  }
  execFileSync(path.join(bin, 'initdb'), ['-D', data, '-U', 'agora', '--auth=trust', '-E', 'UTF8'], {
    stdio: 'ignore',
    ...user,
  });
  const port = await freePort();
  const server: ChildProcess = spawn(
    path.join(bin, 'postgres'),
    ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
    { stdio: 'ignore', ...user },
  );
  const url = `postgres://agora@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      execFileSync(path.join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
      break;
    } catch {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error('PostgreSQL did not start');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return {
    url,
    async stop() {
      if (server.exitCode === null && server.signalCode === null) {
        // SIGINT is PostgreSQL's fast shutdown.
        const gone = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGINT');
        await gone;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
