// The provider agent: one poll loop over the chain that finds assignments, advances every open task, keeps the
// ask fresh and withdraws earnings; an HTTP server beside it; everything durable under `dataDir`.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type ContentStore, type RunningGateway, listen, openContentStore } from '@agora/content';
import { AgoraError, errorCodes } from '@agora/errors';
import { type RuntimePool, createRuntimePool, runtimeVersion } from '@agora/runtime';
import { computeMarketAbi, encodeResources, storageMarketAbi, testStablecoinAbi } from '@agora/sdk';
import { type Hex, bytesToHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  type AgentState,
  type TrackedTask,
  agentStateSchema,
  historyKey,
  historyLimit,
  trackedTaskSchema,
} from './agent-state.js';
import { createAskManager } from './asks.js';
import { connectChain } from './chain.js';
import { type AgentConfig, readPassword } from './config.js';
import { createAgentHttpApp } from './http.js';
import { type Logger, createLogger, readKeystore } from '@agora/service';
import { type AgentMetrics, createAgentMetrics } from './metrics.js';
import { type DurableLog, openDurableLog } from './log.js';
import { createTaskRunner } from './run-task.js';
import { ensureRegisteredAndStaked } from './setup.js';
import { type DurableState, openDurableState } from './state.js';
import { type StorageRole, createStorageRole } from './storage.js';
import { createPeerWaker } from './peers.js';
import { createTaskManager } from './tasks.js';
import { createAssignmentWatcher } from './watcher.js';

export type Agent = {
  provider: Hex;
  /** Where the HTTP server listens (health, metrics, ask, tasks, content). */
  url: string;
  /** The URL told to matchers with each ask (`http.publicUrl`, or `url`). */
  endpoint: string;
  state: DurableState<AgentState>;
  /** Settled tasks, newest last (the last `historyLimit`). */
  history: DurableLog<TrackedTask>;
  metrics: AgentMetrics;
  /** Runs one poll now (watch, advance, ask, withdraw) and waits for it. */
  pollNow(): Promise<void>;
  /** Stops polling, lets steps in flight finish, closes the pool, the server and the store. */
  stop(): Promise<void>;
};

export type AgentDependencies = {
  logger?: Logger;
  metrics?: AgentMetrics;
};

/** Tops the agent's free balance in the storage escrow up to `target` from its wallet, as far as the wallet allows. */
async function keepCollateral(
  chain: Awaited<ReturnType<typeof connectChain>>,
  market: Hex,
  token: Hex,
  target: bigint,
  logger: Logger,
): Promise<void> {
  if (target === 0n) return;
  const { free } = await chain.publicClient.readContract({
    address: market,
    abi: storageMarketAbi,
    functionName: 'balanceOf',
    args: [token, chain.account],
  });
  if (free >= target) return;
  const wallet = await chain.publicClient.readContract({
    address: token,
    abi: testStablecoinAbi,
    functionName: 'balanceOf',
    args: [chain.account],
  });
  const amount = target - free < wallet ? target - free : wallet;
  if (amount === 0n) {
    logger.warn({ free, target }, 'no tokens in the wallet to lock as storage collateral');
    return;
  }
  await chain.write({ address: token, abi: testStablecoinAbi, functionName: 'approve', args: [market, amount] });
  await chain.write({
    address: market,
    abi: storageMarketAbi,
    functionName: 'deposit',
    args: [token, chain.account, amount],
  });
  logger.info({ amount, token }, 'storage collateral deposited');
}

/**
 * Starts an agent: unlocks the key, registers and stakes if needed, signs an ask, and starts polling.
 * @example
 * const agent = await startAgent(await loadConfig('agent.json')); process.on('SIGTERM', () => agent.stop())
 */
const leavePoolTimeoutMs = 15_000;

/** `work`, or a TIMEOUT error once `ms` passed (the work itself is not cancelled; its outcome is dropped). */
async function withinMs<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AgoraError(errorCodes.TIMEOUT, `${what} took over ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

export async function startAgent(config: AgentConfig, dependencies: AgentDependencies = {}): Promise<Agent> {
  const logger = dependencies.logger ?? createLogger({ name: 'agora-agent' });
  const metrics = dependencies.metrics ?? createAgentMetrics();
  const { privateKey, address } = await readKeystore(config.keystore, await readPassword(config));
  const signer = privateKeyToAccount(privateKey);
  const provider: Hex = address;

  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const state = await openDurableState(path.join(config.dataDir, 'state.json'), agentStateSchema, {
    version: 1,
    chainId: config.deployment.chainId,
    market: config.market,
    provider,
    cursor: null,
    ask: null,
    askNonce: '0',
    tasks: {},
  } satisfies AgentState);
  const owner = state.read();
  if (
    owner.chainId !== config.deployment.chainId ||
    owner.market.toLowerCase() !== config.market.toLowerCase() ||
    owner.provider.toLowerCase() !== provider.toLowerCase()
  ) {
    await state.close();
    throw new AgoraError(
      errorCodes.CONFIG_INVALID,
      `The data directory ${config.dataDir} belongs to provider ${owner.provider} on market ${owner.market} (chain ${owner.chainId}); use another dataDir for this key or deployment.`,
    );
  }

  // Opened once the directory is known to be this provider's.
  const history = await openDurableLog(path.join(config.dataDir, 'history.jsonl'), trackedTaskSchema, {
    limit: historyLimit,
    keyOf: historyKey,
  });
  const legacy = state.read().history;
  if (legacy?.length) {
    // A data directory from before history.jsonl: its settled tasks move into the log, then out of the state.
    for (const task of legacy) await history.append(task);
    await state.update((draft) => void delete draft.history);
  }

  // Closers run in reverse: the state and the history log close last, after the steps that write to them.
  const closers: (() => Promise<void>)[] = [() => state.close(), () => history.close()];
  const closeAll = async () => {
    for (const close of closers.reverse())
      await close().catch((error: unknown) => logger.error({ err: error }, 'close failed'));
  };
  try {
    const store: ContentStore = await openContentStore(path.join(config.dataDir, 'content'));
    closers.push(() => store.close());
    const pool: RuntimePool = createRuntimePool({ size: config.runtime.workers, timeoutMs: config.runtime.timeoutMs });
    closers.push(() => pool.close());
    const chain = await connectChain({
      rpcUrl: config.rpcUrl,
      chainId: config.deployment.chainId,
      privateKey,
      pollingIntervalMs: Math.min(config.chain.pollIntervalMs, 1_000),
      logger,
      metrics,
    });
    // Closers run in reverse: the connection closes after the steps in flight have drained.
    closers.push(() => chain.close());
    const params = await chain.publicClient.readContract({
      address: config.market,
      abi: computeMarketAbi,
      functionName: 'params',
    });

    const resources = encodeResources(config.provider.resources);
    const profile = await store.put(
      new TextEncoder().encode(
        JSON.stringify({ kind: 'agora.provider.v1', runtimeVersion, resources: config.provider.resources }),
      ),
    );
    await ensureRegisteredAndStaked({
      chain,
      registry: config.registry,
      stakeToken: config.stakeToken,
      resources,
      metadataCid: (config.provider.metadataCid as Hex | undefined) ?? bytesToHex(profile.bytes),
      stake: config.provider.stake,
      logger,
    });

    // A wake (a matcher's hint, `stop`) cuts the sleep short, or, during a poll, makes the next one start at once;
    // either way the next poll reads the chain in full even if no block came.
    let forceNextPoll = false;
    let wakeSleeper: (() => void) | undefined;
    // A wake may come before its block does (a matcher wakes as soon as the node has the transaction): until a new
    // head shows up or the window closes, the next polls follow each other closely.
    const wakeWindowMs = 20;
    const wakeRepollMs = 2;
    let awaitingBlockUntil = 0;
    const wake = () => {
      forceNextPoll = true;
      awaitingBlockUntil = Date.now() + wakeWindowMs;
      wakeSleeper?.();
    };
    let storage: StorageRole | undefined;
    const http: RunningGateway = await listen(
      createAgentHttpApp({ provider, state, history, metrics, store, wake, storage: () => storage }),
      config.http,
    );
    closers.push(() => http.close());
    const endpoint = config.http.publicUrl ?? http.url;
    if (config.storage) {
      await keepCollateral(chain, config.storageMarket, config.ask.token, config.storage.collateral, logger);
      storage = await createStorageRole({
        chain,
        market: config.storageMarket,
        chainId: config.deployment.chainId,
        signer,
        dataDir: config.dataDir,
        terms: { token: config.ask.token, ...config.storage },
        startBlock: config.deployment.startBlock,
        confirmations: config.chain.confirmations,
        endpoint: () => endpoint,
        matchers: config.matchers,
        logger,
        metrics,
      });
      closers.push(() => storage?.close() ?? Promise.resolve());
    }

    let withdrawDue = true;
    let nextWithdrawAt = 0;
    let nextAskCheckAt = 0;
    const tasks = createTaskManager({
      chain,
      market: config.market,
      verifier: config.deployment.contracts.replicatedVerifier,
      state,
      history,
      runner: createTaskRunner({
        store,
        pool,
        sources: config.contentSources,
        onKeepFailed: (cid, error) =>
          logger.warn({ err: error, cid: cid.toString() }, 'could not keep fetched content'),
      }),
      logger,
      metrics,
      commitWindowSeconds: BigInt(params.commitWindow),
      onPaid: () => (withdrawDue = true),
      wakePeers: createPeerWaker({ matchers: config.matchers, self: provider, logger }),
    });
    closers.push(() => tasks.drain());
    const watcher = createAssignmentWatcher({
      chain,
      market: config.market,
      state,
      tasks,
      logger,
      metrics,
      startBlock: config.deployment.startBlock,
      ...config.chain,
    });
    const asks = createAskManager({
      chain,
      signer,
      market: config.market,
      pool: config.deployment.contracts.replicaPool,
      chainId: config.deployment.chainId,
      state,
      terms: { ...config.ask, resources },
      matchers: config.matchers,
      endpoint: () => endpoint,
      logger,
      metrics,
    });

    const withdraw = async () => {
      const { free } = await chain.publicClient.readContract({
        address: config.market,
        abi: computeMarketAbi,
        functionName: 'balanceOf',
        args: [config.ask.token, provider],
      });
      if (free < config.withdraw.minAmount || free === 0n) return;
      await chain.write({
        address: config.market,
        abi: computeMarketAbi,
        functionName: 'withdraw',
        args: [config.ask.token, free],
      });
      metrics.withdrawn.inc(Number(free));
      logger.info({ amount: free, token: config.ask.token }, 'earnings withdrawn');
    };

    const guarded = async (where: string, work: () => Promise<void>) => {
      try {
        await work();
      } catch (error) {
        metrics.errors.inc({ where });
        logger.error({ err: error, where }, `${where} failed; retrying on the next poll`);
      }
    };
    // The chain changes only with a new block, so a poll that finds the head where it was reads nothing more; open
    // tasks and deals are still looked at every `quietPollMs` (a step that failed on a passing error is retried).
    let lastHead: bigint | undefined;
    let lastFullPollAt = 0;
    const quietPollMs = 1_000;
    const pollOnce = async (force: boolean) => {
      let latest: { number: bigint; hash: Hex; parentHash: Hex; timestamp: bigint };
      try {
        latest = await chain.publicClient.getBlock({ blockTag: 'latest' });
      } catch (error) {
        metrics.errors.inc({ where: 'watch' });
        logger.error({ err: error }, 'cannot read the latest block; retrying on the next poll');
        return;
      }
      const now = latest.timestamp;
      if (latest.number !== lastHead) awaitingBlockUntil = 0;
      if (force || latest.number !== lastHead || Date.now() - lastFullPollAt >= quietPollMs) {
        lastHead = latest.number;
        lastFullPollAt = Date.now();
        // Deals and tasks do not wait for each other.
        await Promise.all([
          (async () => {
            await guarded('watch', () => watcher.poll(latest));
            await guarded('task', () => tasks.advanceAll(now));
          })(),
          storage && guarded('storage', () => storage.poll(latest.number)),
        ]);
      }
      // The ask needs a look (a chain read of its fills) once a second, not on every poll.
      if (Date.now() >= nextAskCheckAt) {
        nextAskCheckAt = Date.now() + 1_000;
        await guarded('ask', () => asks.refresh(now));
      }
      // Earnings are withdrawn at most once per interval: a withdrawal per task would queue behind (and delay) the
      // next task's transactions.
      if (withdrawDue && Date.now() >= nextWithdrawAt) {
        withdrawDue = false;
        nextWithdrawAt = Date.now() + config.withdraw.intervalSeconds * 1000;
        await guarded('withdraw', withdraw);
      }
    };

    await pollOnce(true);

    let stopped = false;
    let current: Promise<void> = Promise.resolve();
    const loop = (async () => {
      while (!stopped) {
        const force = forceNextPoll;
        forceNextPoll = false;
        current = pollOnce(force);
        await current;
        if (stopped) break;
        if (forceNextPoll) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(
            resolve,
            Date.now() < awaitingBlockUntil ? wakeRepollMs : config.chain.pollIntervalMs,
          );
          wakeSleeper = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wakeSleeper = undefined;
      }
    })();
    logger.info({ provider, url: http.url, market: config.market, runtimeVersion }, 'agent started');

    return {
      provider,
      url: http.url,
      endpoint,
      state,
      history,
      metrics,
      async pollNow() {
        await current;
        current = pollOnce(true);
        await current;
      },
      async stop() {
        stopped = true;
        wake();
        await loop;
        // Leaving is a courtesy (a membership lapses by itself): a chain that does not answer cannot hold up the stop.
        await guarded('pool', () => withinMs(leavePoolTimeoutMs, 'leaving the replica pool', asks.leavePool()));
        await closeAll();
        logger.info({ provider }, 'agent stopped');
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
