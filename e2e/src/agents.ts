// Provider agents on a test network, set up the way an operator would: a keystore, a password file, the
// deployment file and a configuration file on disk, then the real daemon (in this process, or as a child process
// that a test may kill).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Agent, createLogger, loadConfig, startAgent, writeAgentFiles as writeAgentSetup } from '@agora/agent';
import { type ContentStore, type RunningGateway, openContentStore, startGateway } from '@agora/content';
import { encodeTaskInput } from '@agora/sdk';
import { anvilDevKeys } from '@agora/sdk/dev';
import { type Hex, bytesToHex, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { Network, Wallet } from './scenario.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The client's side of content: a store and a gateway the agents fetch apps and inputs from. */
export type ClientContent = {
  store: ContentStore;
  gateway: RunningGateway;
  /** Stores bytes and returns the binary CID as a bid carries it. */
  add(bytes: Uint8Array): Promise<Hex>;
  /** Stores the input document of `args` and `stdin`. */
  addInput(args: readonly string[], stdin?: Uint8Array): Promise<Hex>;
  close(): Promise<void>;
};

export async function startClientContent(): Promise<ClientContent> {
  const store = await openContentStore(await mkdtemp(path.join(tmpdir(), 'agora-client-content-')));
  const gateway = await startGateway({ store });
  const add = async (bytes: Uint8Array) => bytesToHex((await store.put(bytes)).bytes);
  return {
    store,
    gateway,
    add,
    addInput: (args, stdin = new Uint8Array()) => add(encodeTaskInput({ args, stdin })),
    async close() {
      await gateway.close();
      await store.close();
    },
  };
}

export type AgentFiles = { dir: string; configFile: string; dataDir: string };

/** Writes the files an operator would for `provider`: keystore, password, deployment, configuration. */
export async function writeAgentFiles(
  network: Network,
  provider: Wallet,
  options: { contentSources: readonly string[]; pricePerFuel?: bigint; pollIntervalMs?: number; dir?: string },
): Promise<AgentFiles> {
  const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'agora-agent-')));
  const key = anvilDevKeys.find((candidate) => provider.account.address === privateKeyToAccount(candidate).address);
  if (!key) throw new Error(`no dev key for ${provider.account.address}`);
  await writeFile(path.join(dir, 'deployment.json'), JSON.stringify(network.deployment));
  const { configFile } = await writeAgentSetup(dir, {
    privateKey: key,
    password: 'correct horse battery staple',
    // A cheap scrypt keeps tests fast; operators keep the default.
    scryptN: 1024,
    config: {
      rpcUrl: network.anvil.rpcUrl,
      deployment: 'deployment.json',
      dataDir: 'data',
      chain: { pollIntervalMs: options.pollIntervalMs ?? 100 },
      provider: {
        resources: { cpuCores: 8, memoryMiB: 16_384, region: 1 },
        stake: parseEther('10000').toString(),
      },
      ask: { token: network.usd, pricePerFuel: (options.pricePerFuel ?? 2n).toString() },
      contentSources: [...options.contentSources],
      runtime: { workers: 1, timeoutMs: 60_000 },
      // The tests check earnings reach the wallet after each task.
      withdraw: { intervalSeconds: 0 },
    },
  });
  return { dir, configFile, dataDir: path.join(dir, 'data') };
}

/** Starts the agent daemon in this process. */
export async function startProviderAgent(files: AgentFiles): Promise<Agent> {
  const level = process.env.AGORA_TEST_LOG ?? 'silent';
  return startAgent(await loadConfig(files.configFile), { logger: createLogger({ level }) });
}

export type AgentProcess = {
  child: ChildProcess;
  /** Everything the process printed so far, stdout and stderr. */
  output(): string;
  /** Resolves with the first JSON log line `predicate` accepts. */
  waitForLog(
    predicate: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
};

/** Starts `agora-agent start` as a child process, reading its JSON logs. */
export function spawnProviderAgent(files: AgentFiles): AgentProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'apps/agent/src/main.ts'), 'start', '--config', files.configFile],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<{
    predicate: (line: Record<string, unknown>) => boolean;
    resolve: (line: Record<string, unknown>) => void;
  }>();
  let buffered = '';
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    stdout += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const text = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      lines.push(line);
      if (process.env.AGORA_TEST_LOG) console.log('[agent]', text);
      for (const waiter of waiters) {
        if (waiter.predicate(line)) {
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => stdout + stderr,
    waitForLog(predicate, timeoutMs = 30_000) {
      const seen = lines.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching agent log within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`));
        }, timeoutMs);
        waiter.resolve = (line) => {
          clearTimeout(timer);
          resolve(line);
        };
        waiters.add(waiter);
        void exited.then((code) => {
          if (!waiters.has(waiter)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          reject(new Error(`the agent exited with ${code} before the expected log; stderr: ${stderr.slice(-2000)}`));
        });
      });
    },
  };
}
