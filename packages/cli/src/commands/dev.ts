// `agora dev`: the whole marketplace on this machine until Ctrl-C, with a network file the other commands read.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AgoraError, errorCodes } from '@agora/errors';
import { type ExampleName, readExample } from '@agora/examples';
import { createLogger } from '@agora/service';
import { type Command } from 'commander';
import { z } from 'zod';
import { retrieveFile, storeFile } from '../client-storage.js';
import { formatAmount, parseAmount } from '@agora/sdk';
import { isAddress } from 'viem';
import { fundOnDevNetwork } from '../dev-faucet.js';
import { describeTask, fetchResult, submitTask, taskLine, waitForTask } from '../client-tasks.js';
import { startDevNetwork } from '../dev-network.js';
import { connect, readNetworkFile } from '../network-file.js';
import type { NetworkFile } from '../network-file.js';
import { type OutputMode, printJson, reportError } from '../output.js';

const optionsSchema = z.object({
  dir: z.string(),
  providers: z.coerce.number().int().min(1).max(7),
  blockTime: z.coerce.number().int().min(0).max(60),
  batch: z.boolean().default(false),
  demo: z.boolean().default(false),
  indexer: z.boolean().default(true),
  json: z.boolean().default(false),
  logLevel: z.enum(['silent', 'error', 'warn', 'info', 'debug']),
});

/** A few tasks through the whole path, so a newcomer sees the market work. */
const demoTasks: { app: ExampleName; args: string[]; stdin: string; replicas: number; what: string }[] = [
  {
    app: 'wordcount',
    args: [],
    stdin: 'the quick brown fox jumps over the lazy dog\n',
    replicas: 1,
    what: 'count words',
  },
  { app: 'sha256', args: [], stdin: 'agora', replicas: 3, what: 'hash a string on 3 providers' },
  { app: 'primes', args: ['1000'], stdin: '', replicas: 3, what: 'primes below 1000 on 3 providers' },
];

/** What a failed demo step says: its code and message, so the newcomer knows what went wrong. */
const failure = (error: unknown) =>
  error instanceof AgoraError
    ? `${error.code}: ${error.message}`
    : error instanceof Error
      ? error.message
      : String(error);

/** Stores a small random file with two providers, encrypted, and reads it back. */
async function runStorageDemo(network: NetworkFile, dir: string, say: (line: string) => void) {
  const what = 'store 256 KiB encrypted with 2 providers';
  try {
    const agora = connect(network);
    const file = path.join(dir, 'demo-file.bin');
    const keyFile = path.join(dir, 'keys', 'demo-file.json');
    const bytes = randomBytes(256 * 1024);
    await writeFile(file, bytes);
    const stored = await storeFile(
      agora,
      network,
      file,
      { replicas: 2, periods: 30, encrypt: true, keyFile },
      () => undefined,
    );
    const back = await retrieveFile(agora, network, String(stored.dealId), { keyFile }, () => undefined);
    const same = Buffer.from(back.bytes).equals(bytes);
    const cost = formatAmount(stored.cost, await agora.tokenUnit(network.token));
    say(
      `demo: ${what}: deal ${stored.dealId}, cost ${cost} for 30 periods, read back ${same ? 'identical' : 'DIFFERENT'}; proofs every period: agora store status ${stored.dealId}`,
    );
  } catch (error) {
    say(`demo: ${what}: failed: ${failure(error)}`);
  }
}

/** The demo's tasks, one after another; a step that fails says why and the next one still runs. */
async function runDemo(network: NetworkFile, say: (line: string) => void) {
  const agora = connect(network);
  for (const demo of demoTasks) {
    try {
      const submitted = await submitTask(
        network,
        agora,
        {
          app: await readExample(demo.app),
          args: demo.args,
          stdin: new TextEncoder().encode(demo.stdin),
          replicas: demo.replicas,
          maxPricePerFuel: 10n,
          maxFuel: 100_000_000n,
          ttlSeconds: 600,
        },
        () => undefined,
      );
      const view = await waitForTask(network, agora, submitted, () => undefined);
      const result = await fetchResult(network, view);
      const task = describeTask(view, submitted.unit, result);
      const output = new TextDecoder().decode(result.output).trim().split('\n')[0]?.slice(0, 80) ?? '';
      say(
        `demo: ${demo.what}: ${task.status}, ${taskLine('fuelUsed', task, submitted.unit)}, cost ${taskLine('cost', task, submitted.unit)}, output "${output}"`,
      );
    } catch (error) {
      say(`demo: ${demo.what}: failed: ${failure(error)}`);
    }
  }
}

export function registerFaucet(program: Command): void {
  program
    .command('faucet')
    .description('on a network `agora dev` started: gas, AGORA to stake and test dollars for an address')
    .argument('<address>', 'who gets them (a provider key from `agora provider init`, say)')
    .option('--eth <amount>', 'ETH for gas', '10')
    .option('--stake <amount>', 'AGORA to stake', '10000')
    .option('--usd <amount>', 'test dollars (tUSD)', '1000')
    .option('--network <file>', 'network file')
    .option('--json', 'print { address, eth, stake, usd, transactions } as JSON')
    .action(
      async (address: string, raw: { eth: string; stake: string; usd: string; network?: string; json?: boolean }) => {
        const mode: OutputMode = { json: raw.json === true };
        try {
          if (!isAddress(address)) throw new AgoraError(errorCodes.INVALID_ARGUMENT, `Not an address: "${address}".`);
          const network = await readNetworkFile(raw.network);
          const funded = await fundOnDevNetwork(network, address, {
            eth: parseAmount(raw.eth, { symbol: 'ETH', decimals: 18 }, '--eth'),
            stake: parseAmount(raw.stake, { symbol: 'AGORA', decimals: 18 }, '--stake'),
            usd: parseAmount(raw.usd, { symbol: 'tUSD', decimals: 6 }, '--usd'),
          });
          if (mode.json) printJson(funded);
          else
            process.stdout.write(
              `${address} got ${funded.eth.value} ETH, ${funded.stake.value} AGORA and ${funded.usd.value} tUSD; next: agora provider start\n`,
            );
        } catch (error) {
          process.exitCode = reportError(error, mode);
        }
      },
    );
}

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('run a local network: anvil, the contracts, a funded client, provider agents, a matcher, a gateway')
    .option('--dir <dir>', 'where the network keeps its files; network.json lands here', '.agora')
    .option('--providers <n>', 'provider agents to run', '3')
    .option('--block-time <seconds>', 'seconds between blocks (0: a block per transaction)', '1')
    .option('--batch', 'match in batch auctions (one clearing price per batch) instead of continuously')
    .option('--demo', 'submit a few tasks once the network is up')
    .option('--no-indexer', 'do not run the indexer, its API and the dashboard')
    .option('--log-level <level>', 'log level of the services (JSON logs on stderr)', 'silent')
    .option('--json', 'print the network (URLs, addresses, file) as JSON once it is up')
    .action(async (raw: Record<string, unknown>) => {
      const mode: OutputMode = { json: raw.json === true };
      try {
        const options = optionsSchema.parse(raw);
        const say = (line: string) => {
          if (!mode.json) process.stdout.write(`${line}\n`);
        };
        say('starting the local network…');
        const dev = await startDevNetwork({
          dir: options.dir,
          providers: options.providers,
          blockTime: options.blockTime,
          matcherMode: options.batch ? 'batch' : 'continuous',
          indexer: options.indexer,
          web: options.indexer,
          logger: createLogger({ name: 'agora-dev', level: options.logLevel, destination: process.stderr }),
        });
        const { network } = dev;
        if (mode.json) {
          printJson({
            file: dev.file,
            rpcUrl: network.rpcUrl,
            chainId: network.chainId,
            matcherUrl: network.matcherUrl,
            gatewayUrl: network.gatewayUrl,
            indexerUrl: network.indexerUrl ?? null,
            webUrl: network.webUrl ?? null,
            contracts: network.deployment.contracts,
            agents: network.agents,
          });
        } else {
          say(
            `chain      ${network.rpcUrl} (chain ${network.chainId}, a block every ${options.blockTime || 'transaction'}${options.blockTime ? ' s' : ''})`,
          );
          say(`matcher    ${network.matcherUrl} (${options.batch ? 'batch auction' : 'continuous'})`);
          say(`gateway    ${network.gatewayUrl}`);
          if (network.webUrl) say(`dashboard  ${network.webUrl}`);
          if (network.indexerUrl)
            say(`indexer    ${network.indexerUrl} (API description: ${network.indexerUrl}/openapi.json)`);
          for (const [index, agent] of network.agents.entries())
            say(`provider ${index}  ${agent.url}  ${agent.address}`);
          for (const [name, address] of Object.entries(network.deployment.contracts))
            say(`${name.padEnd(18)} ${address}`);
          say(
            `network file ${path.relative(process.cwd(), dev.file) || dev.file}: agora task submit <app.wasm> --wait`,
          );
        }
        let stopping = false;
        const stop = async () => {
          if (stopping) return;
          stopping = true;
          say('stopping…');
          await dev.stop();
          say('stopped');
          process.exit(0);
        };
        process.once('SIGINT', () => void stop());
        process.once('SIGTERM', () => void stop());
        if (options.demo) {
          await runDemo(network, say);
          await runStorageDemo(network, options.dir, say);
          say('the network keeps running; Ctrl-C stops it');
        } else say('Ctrl-C stops the network');
      } catch (error) {
        process.exitCode = reportError(error, mode);
      }
    });
}
