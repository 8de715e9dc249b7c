// The whole marketplace on one machine: anvil, the contracts, a funded client, providers running agents, a matcher
// and a content gateway. `agora dev` runs it; the end-to-end tests and benchmarks start it the same way.
import { type RunningIndexer, startIndexer } from '@agora/indexer';
import { type RunningWeb, startWeb } from '@agora/web';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Agent, resolveConfig, startAgent, writeAgentFiles } from '@agora/agent';
import { type ContentStore, type RunningGateway, openContentStore, startGateway } from '@agora/content';
import { type Matcher, startMatcher } from '@agora/matcher';
import {
  type AgoraWallet,
  type Deployment,
  agoraTokenAbi,
  createAgoraClient,
  deployAgora,
  testStablecoinAbi,
  agoraChain,
} from '@agora/sdk';
import { type Anvil, anvilDevKeys, startAnvil } from '@agora/sdk/dev';
import { type Logger, createLogger } from '@agora/service';
import { type Hex, bytesToHex, createPublicClient, createWalletClient, http, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { type NetworkFile, writeNetworkFile } from './network-file.js';

export type DevNetworkOptions = {
  /** Where keys, agent data, the matcher's book and network.json go. */
  dir: string;
  /** Providers registered and staked. */
  providers?: number;
  /** How many of them run an agent (the first ones); the rest are left for a test to drive by hand. */
  agents?: number;
  /** Seconds between blocks; automine when 0. */
  blockTime?: number;
  matcherMode?: 'continuous' | 'batch';
  batchIntervalMs?: number;
  /** How often agents read the chain. */
  pollIntervalMs?: number;
  /** Test stablecoin the client gets, deposited in escrow. */
  clientFunds?: bigint;
  /** Price per fuel unit of provider i's ask (base units). */
  priceOf?: (index: number) => bigint;
  /** Storage periods and proof windows, in blocks. */
  storagePeriodBlocks?: number;
  storageWindowBlocks?: number;
  /** Price per GiB per period of provider i's storage ask (base units). */
  storagePriceOf?: (index: number) => bigint;
  /** Run the indexer (Ponder on PGlite in `dir`) and its HTTP API too. */
  indexer?: boolean;
  /** Serve the dashboard too (needs the indexer and the Vite build of apps/web). */
  web?: boolean;
  logger?: Logger;
};

export type DevNetwork = {
  file: string;
  network: NetworkFile;
  anvil: Anvil;
  deployment: Deployment;
  matcher: Matcher;
  gateway: RunningGateway;
  agents: Agent[];
  indexer: RunningIndexer | undefined;
  web: RunningWeb | undefined;
  /** Dev keys of the providers, agents or not, in order. */
  providerKeys: Hex[];
  stop(): Promise<void>;
};

const password = 'agora-dev';

export async function startDevNetwork(options: DevNetworkOptions): Promise<DevNetwork> {
  const providerCount = options.providers ?? 3;
  const agentCount = Math.min(options.agents ?? providerCount, providerCount);
  if (providerCount + 3 > anvilDevKeys.length) throw new Error(`at most ${anvilDevKeys.length - 3} providers`);
  const logger = options.logger ?? createLogger({ name: 'agora-dev', level: 'silent' });
  const dir = path.resolve(options.dir);
  await mkdir(dir, { recursive: true });
  // Every start is a new chain: what the last run's matcher, agents and indexer kept describes a chain that is gone
  // (Ponder refuses to start on another build's schema, agents would resume from blocks the new chain does not
  // have). The gateway's blocks are content-addressed and stay; so do the demo's keys.
  for (const part of ['matcher', 'providers', 'indexer'])
    await rm(path.join(dir, part), { recursive: true, force: true });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      await stop().catch((error: unknown) => logger.error({ err: error }, 'stopping a part of the network failed'));
    }
  };

  try {
    const anvil = await startAnvil(options.blockTime ? { blockTime: options.blockTime } : {});
    stops.push(() => anvil.stop());
    const chain = agoraChain({ chainId: 31337, rpcUrl: anvil.rpcUrl, name: 'anvil' });
    const transport = http(anvil.rpcUrl);
    const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 });
    const wallet = (key: Hex): AgoraWallet =>
      createWalletClient({ account: privateKeyToAccount(key), chain, transport });
    const [deployerKey, clientKey, matcherKey, ...rest] = anvilDevKeys;
    const providerKeys: Hex[] = rest.slice(0, providerCount);
    const deployer = wallet(deployerKey);
    const deployment = await deployAgora({
      publicClient,
      walletClient: deployer,
      options: {
        devToken: true,
        storage: { periodBlocks: options.storagePeriodBlocks ?? 20, windowBlocks: options.storageWindowBlocks ?? 10 },
      },
    });
    const usd = deployment.contracts.testStablecoin;
    if (!usd) throw new Error('the dev deployment has no test stablecoin');
    const send = async (hash: Promise<Hex>) => {
      const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash });
      if (receipt.status !== 'success') throw new Error(`setup transaction ${receipt.transactionHash} reverted`);
    };

    // The client: test dollars minted, half deposited into the compute escrow.
    const clientFunds = options.clientFunds ?? 1_000_000_000_000_000n;
    const client = createAgoraClient({ publicClient, wallet: wallet(clientKey), deployment });
    // Half stays in the wallet: `agora store put` deposits into the storage escrow what each deal needs.
    await send(
      wallet(clientKey).writeContract({
        address: usd,
        abi: testStablecoinAbi,
        functionName: 'mint',
        args: [client.account, 2n * clientFunds],
      }),
    );
    await client.deposit(usd, clientFunds);

    const content: ContentStore = await openContentStore(path.join(dir, 'gateway'));
    stops.push(() => content.close());
    const gateway = await startGateway({ store: content });
    stops.push(() => gateway.close());

    // Providers: stake tokens from the deployer; agents register and stake themselves, the rest are set up here.
    const stake = parseEther('10000');
    const agentCollateral = 1_000_000_000_000n;
    for (const [index, key] of providerKeys.entries()) {
      const address = privateKeyToAccount(key).address;
      await send(
        deployer.writeContract({
          address: deployment.contracts.agoraToken,
          abi: agoraTokenAbi,
          functionName: 'transfer',
          args: [address, stake],
        }),
      );
      // Test dollars for storage collateral; agents deposit what their configuration says.
      await send(
        wallet(key).writeContract({
          address: usd,
          abi: testStablecoinAbi,
          functionName: 'mint',
          args: [address, agentCollateral],
        }),
      );
      if (index >= agentCount) {
        const provider = createAgoraClient({ publicClient, wallet: wallet(key), deployment });
        const resources = {
          cpuCores: 8,
          memoryMiB: 16_384,
          gpuCount: 0,
          storageGiB: 0,
          region: 1,
          features: 0,
          gpuModel: '',
        };
        const profile = await content.put(
          new TextEncoder().encode(JSON.stringify({ kind: 'agora.provider.v1', resources })),
        );
        await provider.register(resources, bytesToHex(profile.bytes));
        await provider.stake(stake);
      }
    }

    // The services talk to anvil over its WebSocket: each request costs a fraction of one over HTTP.
    const matcher = await startMatcher(
      {
        rpcUrl: anvil.wsUrl,
        deployment,
        privateKey: matcherKey,
        dataDir: path.join(dir, 'matcher'),
        mode: options.matcherMode ?? 'continuous',
        batchIntervalMs: options.batchIntervalMs ?? 1_000,
        pollIntervalMs: 500,
      },
      { logger: logger.child({ service: 'matcher' }) },
    );
    stops.push(() => matcher.stop());

    const deploymentFile = path.join(dir, 'deployment.json');
    await writeFile(deploymentFile, JSON.stringify(deployment, null, 2));
    const agents: Agent[] = [];
    for (const [index, key] of providerKeys.slice(0, agentCount).entries()) {
      const home = path.join(dir, 'providers', String(index));
      const { config: document } = await writeAgentFiles(home, {
        privateKey: key,
        password,
        // A cheap scrypt: these are anvil's public dev keys, nothing to protect.
        scryptN: 1024,
        config: {
          rpcUrl: anvil.wsUrl,
          deployment: deploymentFile,
          dataDir: 'data',
          chain: { pollIntervalMs: options.pollIntervalMs ?? 100 },
          provider: { resources: { cpuCores: 8, memoryMiB: 16_384, region: 1 }, stake: stake.toString() },
          ask: { token: usd, pricePerFuel: (options.priceOf?.(index) ?? 2n + BigInt(index)).toString() },
          storage: {
            pricePerGiBPeriod: (options.storagePriceOf?.(index) ?? 50_000_000n + 1_000_000n * BigInt(index)).toString(),
            maxCollateralPerGiB: '1000000000',
            collateral: agentCollateral.toString(),
            repair: true,
            claimEveryPeriods: 2,
          },
          matchers: [matcher.url],
          contentSources: [gateway.url],
          runtime: { workers: 1, timeoutMs: 60_000 },
        },
      });
      const agent = await startAgent(await resolveConfig(document, home), {
        logger: logger.child({ service: 'agent', provider: index }),
      });
      stops.push(() => agent.stop());
      agents.push(agent);
    }

    const indexer = options.indexer
      ? await startIndexer({
          rpcUrl: anvil.rpcUrl,
          deployment,
          dir: path.join(dir, 'indexer'),
          onLog: (line) => logger.debug({ service: 'indexer' }, line),
        })
      : undefined;
    if (indexer) stops.push(() => indexer.stop());
    const web =
      indexer && options.web
        ? await startWeb({
            rpcUrl: anvil.rpcUrl,
            indexerUrl: indexer.url,
            gatewayUrl: gateway.url,
            matcherUrl: matcher.url,
            deployment,
            token: usd,
            agents: agents.map((agent) => ({ address: agent.provider, url: agent.url })),
            devKeys: { client: clientKey, providers: providerKeys },
          })
        : undefined;
    if (web) stops.push(() => web.close());

    const network: NetworkFile = {
      name: 'dev',
      rpcUrl: anvil.rpcUrl,
      chainId: deployment.chainId,
      deployment,
      matcherUrl: matcher.url,
      gatewayUrl: gateway.url,
      ...(indexer ? { indexerUrl: indexer.url } : {}),
      ...(web ? { webUrl: web.url } : {}),
      token: usd,
      devKeys: { client: clientKey, providers: providerKeys },
      agents: agents.map((agent) => ({ address: agent.provider, url: agent.url })),
    };
    const file = path.join(dir, 'network.json');
    await writeNetworkFile(file, network);
    stops.unshift(() => rm(file, { force: true }));
    return { file, network, anvil, deployment, matcher, gateway, agents, indexer, web, providerKeys, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
