// Provider agents against a real anvil with the real contracts, real WASM and real content: the whole path from a
// matched bid to paid providers and a refunded client.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Agent, type SignedAsk, fromStoredAsk, signedAskSchema } from '@agora/agent';
import { readExample } from '@agora/examples';
import { describeResult, executeModule, prepareApp } from '@agora/runtime';
import {
  type Ask,
  computeMarketAbi,
  replicatedVerifierAbi,
  createAgoraClient,
  decodeSettlement,
  decodeTaskMatched,
  encodeTaskRecord,
  lockAmount,
  nonceOf,
  orderToJson,
  providerRegistryAbi,
  taskIdOf,
  taskStatus,
  testStablecoinAbi,
} from '@agora/sdk';
import { anvilDevKeys } from '@agora/sdk/dev';
import { startMatcher } from '@agora/matcher';
import { createLogger } from '@agora/service';
import { type Address, type Hex, createTestClient, hexToBytes, http, isAddressEqual, zeroHash } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentFiles,
  type ClientContent,
  spawnProviderAgent,
  startClientContent,
  startProviderAgent,
  writeAgentFiles,
} from '../src/agents.js';
import {
  type Network,
  commitResult,
  escrowBalance,
  readTaskStatus,
  revealResult,
  matchPendingSigned,
  matchSigned,
  signedAsk,
  signedBid,
  startNetwork,
} from '../src/scenario.js';
import { until } from '../src/wait.js';

/** The agent's state as its file holds it: a log of whole documents, the last complete line current. */
const lastState = (text: string): unknown => JSON.parse(text.split('\n').slice(0, -1).at(-1) ?? 'null');

/** The signed ask an agent serves at `GET /ask`, read back with the agent's own schema. */
async function askOf(agentUrl: string): Promise<SignedAsk> {
  const response = await fetch(`${agentUrl}/ask`);
  expect(response.status).toBe(200);
  return fromStoredAsk(signedAskSchema.parse(await response.json()));
}

async function settlementOf(network: Network, taskId: Hex) {
  return until(`the settlement of ${taskId}`, async () => {
    const [settled] = await network.publicClient.getContractEvents({
      address: network.market,
      abi: computeMarketAbi,
      eventName: 'TaskSettled',
      args: { taskId },
      fromBlock: 0n,
      strict: true,
    });
    return settled && { resultHash: settled.args.resultHash, ...decodeSettlement(settled.args.settlement) };
  });
}

type AgentTaskRecord = {
  phase: string;
  result: { outputCid: string; resultHash: Hex; outcome: string };
  transactions: Record<string, Hex>;
  settlement: { paid: boolean; slashed: boolean };
};

/** The agent's provenance record of a task, once the agent has seen it settle. */
async function settledRecordOf(agentUrl: string, taskId: Hex): Promise<AgentTaskRecord> {
  return until(`the agent at ${agentUrl} to see ${taskId} settled`, async () => {
    const response = await fetch(`${agentUrl}/tasks/${taskId}`);
    if (response.status !== 200) return undefined;
    const record = (await response.json()) as AgentTaskRecord;
    return record.phase === 'settled' ? record : undefined;
  });
}

const walletBalance = (network: Network, account: Address) =>
  network.publicClient.readContract({
    address: network.usd,
    abi: testStablecoinAbi,
    functionName: 'balanceOf',
    args: [account],
  });

const bondedStake = async (network: Network, account: Address) =>
  (
    await network.publicClient.readContract({
      address: network.deployment.contracts.providerRegistry,
      abi: providerRegistryAbi,
      functionName: 'providerOf',
      args: [account],
    })
  ).bonded;

let lane = 1_000;

/**
 * The client's bid for `app` with `input`, matched by the matcher: with the one ask given (an agent's URL serves its
 * own), or for a number of replicas with none, its seats then drawn from the pool of running agents.
 */
async function submitTask(
  network: Network,
  content: ClientContent,
  askSources: number | readonly [string | { ask: Ask; signature: Hex }],
  app: Uint8Array,
  input: { args?: string[]; stdin?: Uint8Array },
  terms: { maxFuel?: bigint; quorum?: number; pending?: boolean } = {},
) {
  const appCid = await content.add(app);
  const inputCid = await content.addInput(input.args ?? [], input.stdin);
  const replicas = typeof askSources === 'number' ? askSources : 1;
  const bid = await signedBid(network, {
    appCid,
    inputCid,
    replicas,
    quorum: terms.quorum ?? Math.floor(replicas / 2) + 1,
    maxFuel: terms.maxFuel ?? 50_000_000n,
    maxPricePerFuel: 3n,
    nonce: nonceOf(++lane, 1),
  });
  const asks =
    typeof askSources === 'number'
      ? []
      : await Promise.all(askSources.map(async (source) => (typeof source === 'string' ? askOf(source) : source)));
  // Pending, as a matcher leaves it: the first drawn agent to finish seats it with its commitment.
  if (terms.pending) return matchPendingSigned(network, bid);
  return matchSigned(network, bid, asks);
}

/** What `agora run` says the task's result is: the same runtime, the task's fuel, seed and clock. */
async function expectedResult(
  app: Uint8Array,
  input: { args?: string[]; stdin?: Uint8Array },
  taskId: Hex,
  maxFuel: bigint,
  commitDeadline: bigint,
) {
  const prepared = prepareApp(app);
  return describeResult(
    executeModule(prepared, {
      fuel: maxFuel,
      args: input.args ?? [],
      input: input.stdin ?? new Uint8Array(),
      seed: hexToBytes(taskId),
      clockNs: commitDeadline * 1_000_000_000n,
    }),
  );
}

describe('provider agents on anvil', () => {
  let network: Network;
  let content: ClientContent;
  let files: AgentFiles[];
  let agents: Agent[];
  // Every agent's temporary directory (config, keystore, state), removed after the suite.
  const agentDirs: string[] = [];
  const newAgentFiles = async (...args: Parameters<typeof writeAgentFiles>) => {
    const written = await writeAgentFiles(...args);
    agentDirs.push(written.dir);
    return written;
  };

  beforeAll(async () => {
    network = await startNetwork({ providerCount: 7 });
    content = await startClientContent();
    files = await Promise.all(
      network.providers
        .slice(0, 3)
        .map((provider) => newAgentFiles(network, provider, { contentSources: [content.gateway.url] })),
    );
    agents = [];
    for (const file of files) agents.push(await startProviderAgent(file));
    // Replicated seats are drawn from the pool: only providers with a running agent stay in it.
    for (const provider of network.providers.slice(3)) {
      await createAgoraClient({
        publicClient: network.publicClient,
        wallet: provider,
        deployment: network.deployment,
      }).leavePool(network.usd);
    }
  }, 60_000);

  /**
   * Stops the in-process agents at `indices` (a stopping agent leaves the replica pool), runs `work` with the pool
   * that is left, and starts them again, back in the pool. A test that needs its task's seats known draws them from a
   * pool of exactly that many members.
   */
  async function withAgentsStopped<T>(indices: number[], work: () => Promise<T>): Promise<T> {
    const agora = createAgoraClient({ publicClient: network.publicClient, deployment: network.deployment });
    for (const index of indices) {
      await agents[index]!.stop();
      expect(await agora.poolMembership(network.usd, agents[index]!.provider)).toEqual({ member: false });
    }
    try {
      return await work();
    } finally {
      for (const index of indices) {
        agents[index] = await startProviderAgent(files[index]!);
        await until('the restarted agent back in the pool', async () =>
          (await agora.poolMembership(network.usd, agents[index]!.provider)).member ? true : undefined,
        );
      }
    }
  }

  afterAll(async () => {
    await Promise.all((agents ?? []).map((agent) => agent.stop()));
    await content?.close();
    await network?.stop();
    await Promise.all(agentDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('three honest agents run a task, agree, are paid for the fuel used and withdraw it; the client gets the rest back', async () => {
    const app = await readExample('sha256');
    const stdin = new TextEncoder().encode('the quick brown fox jumps over the lazy dog\n'.repeat(1000));
    const clientBefore = await escrowBalance(network, network.client.account.address);
    const walletsBefore = await Promise.all(agents.map((agent) => walletBalance(network, agent.provider)));

    // Left pending, as a matcher leaves it: the agents foresee the draw and run the task before anyone has seated it.
    const { taskId, task } = await submitTask(network, content, 3, app, { stdin }, { pending: true });
    const settled = await settlementOf(network, taskId);
    // The first of them to finish seated it with its commitment, in one transaction: nobody sent a `seat` of its own.
    const [matched] = await network.publicClient.getContractEvents({
      address: network.market,
      abi: computeMarketAbi,
      eventName: 'TaskMatched',
      args: { taskId },
      fromBlock: 0n,
    });
    const seating = await network.publicClient.getTransaction({ hash: matched!.transactionHash });
    expect(isAddressEqual(seating.to!, network.deployment.contracts.replicatedVerifier)).toBe(true);
    expect(task.providers.some((p) => isAddressEqual(p, seating.from))).toBe(true);

    const expected = await expectedResult(app, { stdin }, taskId, task.maxFuel, task.commitDeadline);
    expect(new TextDecoder().decode(expected.stdout)).toBe(`${createHash('sha256').update(stdin).digest('hex')}\n`);
    expect(settled.status).toBe(2); // finalized
    expect(settled.resultHash).toBe(expected.resultHash);
    expect(settled.fuelUsed).toBe(expected.fuelUsed);
    expect(settled.paidMask).toBe(0b111n);
    expect(settled.slashedMask).toBe(0n);
    // Each agent revealed once; one that found the others committed revealed without committing (`revealLast`).
    const steps = {
      address: network.deployment.contracts.replicatedVerifier,
      abi: replicatedVerifierAbi,
      args: { taskId },
      fromBlock: 0n,
    } as const;
    const commits = await network.publicClient.getContractEvents({ ...steps, eventName: 'ResultCommitted' });
    const reveals = await network.publicClient.getContractEvents({ ...steps, eventName: 'ResultRevealed' });
    expect(new Set(reveals.map((event) => event.args.provider))).toEqual(new Set(task.providers));
    expect(commits.length).toBeGreaterThanOrEqual(2);
    expect(commits.length).toBeLessThanOrEqual(3);

    const payment = expected.fuelUsed * task.pricePerFuel;
    const wallets = await until('the agents to withdraw their earnings', async () => {
      const now = await Promise.all(agents.map((agent) => walletBalance(network, agent.provider)));
      return now.every((balance, i) => balance === walletsBefore[i]! + payment) ? now : undefined;
    });
    expect(wallets).toHaveLength(3);
    const clientAfter = await escrowBalance(network, network.client.account.address);
    expect(clientAfter.locked).toBe(clientBefore.locked);
    expect(clientBefore.free - clientAfter.free).toBe(settled.charged);
    expect(settled.charged).toBeGreaterThanOrEqual(payment * 3n);

    // The result is served by the agents, bytes that hash to the committed CID, with a provenance record.
    const record = await settledRecordOf(agents[0]!.url, taskId);
    expect(record.result.resultHash).toBe(expected.resultHash);
    expect(record.settlement.paid).toBe(true);
    const output = new Uint8Array(
      await (await fetch(`${agents[1]!.url}/ipfs/${record.result.outputCid}`)).arrayBuffer(),
    );
    expect(output).toEqual(expected.stdout);

    const metrics = await (await fetch(`${agents[0]!.url}/metrics`)).text();
    expect(metrics).toMatch(/^agora_agent_settlements_total\{result="paid"\} 1$/m);
    expect(metrics).toMatch(/^agora_agent_runs_total\{outcome="exited"\} 1$/m);
    expect(metrics).toMatch(new RegExp(`^agora_agent_earnings_total ${payment}$`, 'm'));
  }, 60_000);

  it('a provider that lies about its result is slashed and jailed; the honest agents are paid', async () => {
    const liar = network.providers[3]!;
    const liarClient = createAgoraClient({
      publicClient: network.publicClient,
      wallet: liar,
      deployment: network.deployment,
    });
    const app = await readExample('wordcount');
    const stdin = new TextEncoder().encode('to be or not to be that is the question\n'.repeat(200));
    const honest = [agents[0]!.provider, agents[1]!.provider];
    const stakeBefore = await Promise.all([...honest, liar.account.address].map((a) => bondedStake(network, a)));

    // The pool holds the liar and two honest agents only, so the draw seats all three.
    const { taskId, task } = await withAgentsStopped([2], async () => {
      await liarClient.joinPool({
        token: network.usd,
        floorPricePerFuel: 2n,
        expiry: Math.floor(Date.now() / 1000) + 3_600,
      });
      return submitTask(network, content, 3, app, { stdin });
    });
    const liarIndex = task.providers.indexOf(liar.account.address);
    expect(liarIndex).toBeGreaterThanOrEqual(0);
    // The liar commits to a made-up result at once, and reveals it after the honest agents revealed theirs.
    const madeUp: Hex = `0x${'ab'.repeat(32)}`;
    await commitResult(network, task, liarIndex, madeUp, 1_000n);
    await until('the honest reveals', async () => {
      const reveals = await network.publicClient.getContractEvents({
        address: network.deployment.contracts.replicatedVerifier,
        abi: replicatedVerifierAbi,
        eventName: 'ResultRevealed',
        args: { taskId },
        fromBlock: 0n,
      });
      return reveals.length === 2 ? reveals : undefined;
    });
    await revealResult(network, task, liarIndex, madeUp, 1_000n);
    // The liar's reveal completed the set but dissents, so it could not settle; an agent finalizes.
    const settled = await settlementOf(network, taskId);

    const expected = await expectedResult(app, { stdin }, taskId, task.maxFuel, task.commitDeadline);
    expect(new TextDecoder().decode(expected.stdout)).toMatch(/^200 2000 /);
    expect(settled.status).toBe(2);
    expect(settled.resultHash).toBe(expected.resultHash);
    const liarBit = 1n << BigInt(liarIndex);
    expect(settled.paidMask).toBe(0b111n ^ liarBit);
    expect(settled.slashedMask).toBe(liarBit);
    const stakeAfter = await Promise.all([...honest, liar.account.address].map((a) => bondedStake(network, a)));
    expect(stakeAfter[0]).toBe(stakeBefore[0]);
    expect(stakeAfter[1]).toBe(stakeBefore[1]);
    expect(stakeAfter[2]).toBe(stakeBefore[2]! - stakeBefore[2]! / 10n); // slashBps 1000
    const liarState = await network.publicClient.readContract({
      address: network.deployment.contracts.providerRegistry,
      abi: providerRegistryAbi,
      functionName: 'providerOf',
      args: [liar.account.address],
    });
    expect(liarState.jailedUntil).toBeGreaterThan(0);
    // Jailed, it may be evicted by anyone (a draw reads only the pool's slots, never a standing that could have
    // changed after its seed); later draws pass it over.
    expect(await liarClient.poolMembership(network.usd, liar.account.address)).toMatchObject({
      member: true,
      evictable: true,
      weight: stakeBefore[2],
    });
    await createAgoraClient({
      publicClient: network.publicClient,
      wallet: network.client,
      deployment: network.deployment,
    }).evictFromPool(network.usd, liar.account.address);
    expect(await liarClient.poolMembership(network.usd, liar.account.address)).toEqual({ member: false });
  }, 120_000);

  it('a memory bomb traps the same way everywhere: the agents agree, and the client pays only the fuel it burned', async () => {
    const app = await readExample('memory-bomb');
    const maxFuel = 200_000_000n;
    const before = await escrowBalance(network, network.client.account.address);
    const { taskId, task } = await submitTask(network, content, 3, app, {}, { maxFuel });
    const settled = await settlementOf(network, taskId);
    const expected = await expectedResult(app, {}, taskId, maxFuel, task.commitDeadline);
    expect(expected.outcome).toBe('trapped');
    expect(settled.status).toBe(2);
    expect(settled.resultHash).toBe(expected.resultHash);
    expect(settled.paidMask).toBe(0b111n);
    const locked = lockAmount({
      pricePerFuel: task.pricePerFuel,
      maxFuel,
      replicas: 3,
      protocolFeeBps: task.protocolFeeBps,
      matcherFeeBps: task.matcherFeeBps,
    });
    const after = await escrowBalance(network, network.client.account.address);
    expect(before.free - after.free).toBe(settled.charged);
    expect(settled.charged).toBeLessThan(locked);
    expect(after.locked).toBe(before.locked);
  }, 60_000);

  it('an app the runtime refuses is refused by every agent alike: nobody is slashed, the client pays nothing', async () => {
    const app = await readExample('network');
    const before = await escrowBalance(network, network.client.account.address);
    const { taskId } = await submitTask(network, content, 3, app, {});
    const settled = await settlementOf(network, taskId);
    expect(settled.status).toBe(2);
    expect(settled.fuelUsed).toBe(0n);
    expect(settled.slashedMask).toBe(0n);
    expect(settled.charged).toBe(0n);
    expect(await escrowBalance(network, network.client.account.address)).toEqual(before);
    const record = await settledRecordOf(agents[2]!.url, taskId);
    expect(record.result.outcome).toBe('rejected');
    const output = await (await fetch(`${agents[2]!.url}/ipfs/${record.result.outputCid}`)).text();
    expect(output).toBe('AGORA_WASM_IMPORT_NOT_ALLOWED');
  }, 60_000);

  it('an infinite loop on one replica runs out of fuel and settles in the same transaction as its result', async () => {
    const app = await readExample('infinite-loop');
    const maxFuel = 2_000_000n;
    const { taskId, task } = await submitTask(network, content, [agents[1]!.url], app, {}, { maxFuel });
    const settled = await settlementOf(network, taskId);
    const expected = await expectedResult(app, {}, taskId, maxFuel, task.commitDeadline);
    expect(expected.outcome).toBe('out-of-fuel');
    expect(settled.status).toBe(2);
    expect(settled.resultHash).toBe(expected.resultHash);
    expect(settled.fuelUsed).toBe(expected.fuelUsed);
    const record = await settledRecordOf(agents[1]!.url, taskId);
    expect(Object.keys(record.transactions)).toEqual(['submit']);
  }, 60_000);

  it('an agent killed with SIGKILL while running and again after committing finishes the task on restart and is paid', async () => {
    const provider = network.providers[4]!;
    // A slow poll keeps the killed agent from revealing between its commit and the kill.
    const killedFiles = await newAgentFiles(network, provider, {
      contentSources: [content.gateway.url],
      pollIntervalMs: 2_000,
    });
    let daemon = spawnProviderAgent(killedFiles);
    await daemon.waitForLog((line) => line.msg === 'agent started');
    const app = await readExample('primes');
    const input = { args: ['20000000'] };
    const phaseOnDisk = async () => {
      const state = lastState(await readFile(path.join(killedFiles.dataDir, 'state.json'), 'utf8')) as {
        tasks: Record<string, { phase: string; salt?: string }>;
      };
      return state.tasks[taskId];
    };
    const stakeBefore = await bondedStake(network, provider.account.address);
    const walletBefore = await walletBalance(network, provider.account.address);
    // The killed agent joined the pool as it started; with agent 1 stopped, the draw seats it beside agents 0 and 2.
    const { taskId, task } = await withAgentsStopped([1], () =>
      submitTask(network, content, 3, app, input, { maxFuel: 2_000_000_000n }),
    );
    expect(task.providers).toContain(provider.account.address);
    // Agent 2 is held back until the end, so the killed agent is never the last to commit (which reveals at once) and
    // has a commitment to survive a crash with.
    await agents[2]!.stop();

    // First kill: in the middle of the run, before any result is durable (the assignment is written while it runs).
    await daemon.waitForLog((line) => line.msg === 'task executing' && line.taskId === taskId);
    await until('the assignment on disk', phaseOnDisk);
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    expect(await phaseOnDisk()).toMatchObject({ phase: 'assigned' });

    // Second life: runs the task again, commits, and is killed before it can reveal.
    daemon = spawnProviderAgent(killedFiles);
    await daemon.waitForLog((line) => line.msg === 'result committed' && line.taskId === taskId);
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    const committed = await phaseOnDisk();
    expect(committed?.phase).toBe('committed');
    expect(committed?.salt).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await readTaskStatus(network, task.client, task.nonce)).toBe(taskStatus.matched);

    // Third life: reveals with the salt it made durable before committing once agent 2, back, has revealed as the
    // last to commit, and the task settles.
    daemon = spawnProviderAgent(killedFiles);
    agents[2] = await startProviderAgent(files[2]!);
    try {
      const settled = await settlementOf(network, taskId);
      const expected = await expectedResult(app, input, taskId, task.maxFuel, task.commitDeadline);
      expect(settled.status).toBe(2);
      expect(settled.resultHash).toBe(expected.resultHash);
      expect(settled.paidMask).toBe(0b111n);
      expect(settled.slashedMask).toBe(0n);
      expect(await bondedStake(network, provider.account.address)).toBe(stakeBefore);
      await until('the restarted agent to withdraw', async () =>
        (await walletBalance(network, provider.account.address)) ===
        walletBefore + expected.fuelUsed * task.pricePerFuel
          ? true
          : undefined,
      );
      const revealed = await daemon.waitForLog((line) => line.msg === 'result revealed' && line.taskId === taskId);
      expect(revealed).toBeDefined();
    } finally {
      daemon.child.kill('SIGTERM');
      expect(await daemon.exited).toBe(0);
    }
    expect(daemon.output()).toMatch(/"msg":"agent stopped"/);
    // The key never reaches a log line.
    const key = anvilDevKeys[7];
    expect(privateKeyToAccount(key).address).toBe(provider.account.address);
    expect(daemon.output().toLowerCase()).not.toContain(key.slice(2).toLowerCase());
  }, 120_000);

  it('an agent that sees a match undone by a reorg drops that task and takes the one the new chain holds', async () => {
    const testClient = createTestClient({ mode: 'anvil', transport: http(network.anvil.rpcUrl) });
    // Polled by hand, so the reorg lands between two polls.
    const files = await newAgentFiles(network, network.providers[4]!, {
      contentSources: [content.gateway.url],
      pollIntervalMs: 60_000,
    });
    const agent = await startProviderAgent(files);
    let stopped = false;
    try {
      const app = await readExample('echo');
      const snapshot = await testClient.snapshot();
      // A run long enough that the reorg lands while it is under way, before the agent could submit its result.
      const undone = await submitTask(
        network,
        content,
        [agent.url],
        await readExample('primes'),
        { args: ['20000000'] },
        { maxFuel: 2_000_000_000n },
      );
      await agent.pollNow();
      expect(Object.keys(agent.state.read().tasks)).toContain(undone.taskId);

      await testClient.revert({ id: snapshot });
      await testClient.mine({ blocks: 3 });
      const kept = await submitTask(network, content, [agent.url], app, { args: ['kept'] });
      // Settled on chain and seen settled by the agent (which records it on the poll after its submit).
      await until('the kept task to settle', async () => {
        await agent.pollNow();
        const finalized = (await readTaskStatus(network, kept.task.client, kept.task.nonce)) === taskStatus.finalized;
        return finalized && agent.history.entries().some((task) => task.taskId === kept.taskId) ? true : undefined;
      });
      const state = agent.state.read();
      expect(state.tasks[undone.taskId]).toBeUndefined();
      const settled = agent.history.entries().map((task) => task.taskId);
      expect(settled).toEqual(expect.arrayContaining([kept.taskId]));
      expect(settled).not.toContain(undone.taskId);
      expect(await readTaskStatus(network, undone.task.client, undone.task.nonce)).toBe(taskStatus.none);
      expect(await agent.metrics.reorgs.get()).toMatchObject({ values: [{ value: 1 }] });

      // The same data directory as an agent from before history.jsonl left it (settled tasks inside state.json):
      // on start they move into the log and out of the state.
      const settledBefore = agent.history.entries();
      await agent.stop();
      stopped = true;
      const stateFile = path.join(files.dataDir, 'state.json');
      const current = lastState(await readFile(stateFile, 'utf8')) as Record<string, unknown>;
      await writeFile(stateFile, JSON.stringify({ ...current, history: settledBefore }));
      await rm(path.join(files.dataDir, 'history.jsonl'));
      const restarted = await startProviderAgent(files);
      try {
        expect(restarted.history.entries()).toEqual(settledBefore);
        expect(restarted.state.read().history).toBeUndefined();
        expect(lastState(await readFile(stateFile, 'utf8'))).not.toHaveProperty('history');
      } finally {
        await restarted.stop();
      }
    } finally {
      if (!stopped) await agent.stop();
    }
  }, 60_000);
  it('drawn providers that never show up are slashed: a restarted matcher seats the task once its grace is over', async () => {
    // Two pool members with no agent behind them, and the honest agents stopped: the draw can only seat no-shows.
    const noShows = network.providers.slice(5, 7);
    const stakesBefore = await Promise.all(noShows.map((p) => bondedStake(network, p.account.address)));
    const clientBefore = await escrowBalance(network, network.client.account.address);
    const dataDir = await mkdtemp(path.join(tmpdir(), 'agora-matcher-'));
    agentDirs.push(dataDir);
    const { taskId, task, metrics } = await withAgentsStopped([0, 1, 2], async () => {
      for (const provider of noShows) {
        await createAgoraClient({
          publicClient: network.publicClient,
          wallet: provider,
          deployment: network.deployment,
        }).joinPool({ token: network.usd, floorPricePerFuel: 2n, expiry: Math.floor(Date.now() / 1000) + 3_600 });
      }
      const matcherOptions = {
        rpcUrl: network.anvil.rpcUrl,
        deployment: network.deployment,
        privateKey: anvilDevKeys[2],
        dataDir,
        pollIntervalMs: 100,
      };
      // The matchers' log, shown when the seat does not come: what they tried is the only way to tell why.
      const logFile = path.join(dataDir, 'matchers.log');
      const logger = createLogger({ level: 'info', destination: createWriteStream(logFile) });
      // The first matcher, with a grace too long for the test, stops while the task is pending.
      let matcher = await startMatcher({ ...matcherOptions, seatGraceMs: 3_600_000 }, { logger });
      try {
        const post = async (kind: 'asks' | 'bids', order: Parameters<typeof orderToJson>[0]) => {
          const response = await fetch(`${matcher.url}/${kind}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: orderToJson(order),
          });
          expect(response.status, await response.clone().text()).toBe(201);
        };
        for (const provider of noShows) await post('asks', await signedAsk(network, provider));
        const bid = await signedBid(network, { replicas: 2, quorum: 2, nonce: nonceOf(++lane, 1) });
        await post('bids', bid);
        await until('the task pending', async () => {
          const [event] = await network.publicClient.getContractEvents({
            address: network.market,
            abi: computeMarketAbi,
            eventName: 'TaskPending',
            args: { taskId: taskIdOf(bid.bid.client, bid.bid.nonce) },
            fromBlock: 0n,
          });
          return event;
        });
        await matcher.stop();
        // The next one finds the task in the chain's last 256 blocks and leaves it a grace of its own.
        matcher = await startMatcher({ ...matcherOptions, seatGraceMs: 500 }, { logger });
        const bidTaskId = taskIdOf(bid.bid.client, bid.bid.nonce);
        const matched = await until('the matcher to seat the task', async () => {
          const [event] = await network.publicClient.getContractEvents({
            address: network.market,
            abi: computeMarketAbi,
            eventName: 'TaskMatched',
            args: { taskId: bidTaskId },
            fromBlock: 0n,
            strict: true,
          });
          return event;
        }).catch(async (error: unknown) => {
          const lines = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').filter(Boolean);
          const said = lines.map((line) => {
            const entry = JSON.parse(line) as { msg?: string; reason?: string; err?: { message?: string } };
            return `${entry.msg ?? ''} ${entry.reason ?? ''} ${entry.err?.message?.slice(0, 300) ?? ''}`;
          });
          throw new Error(`${(error as Error).message}; the matchers logged:\n${said.slice(-40).join('\n')}`);
        });
        const seating = await network.publicClient.getTransaction({ hash: matched.transactionHash });
        expect(isAddressEqual(seating.from, network.matcher.account.address)).toBe(true);
        return {
          taskId: matched.args.taskId,
          task: decodeTaskMatched(matched.args.terms).task,
          metrics: await (await fetch(`${matcher.url}/metrics`)).text(),
        };
      } finally {
        await matcher.stop();
        for (const provider of noShows) {
          await createAgoraClient({
            publicClient: network.publicClient,
            wallet: provider,
            deployment: network.deployment,
          }).leavePool(network.usd);
        }
      }
    });
    expect(metrics).toMatch(/^agora_matcher_seats_total\{by="matcher"\} 1$/m);
    expect(new Set(task.providers)).toEqual(new Set(noShows.map((p) => p.account.address)));

    // Nobody commits. Past the commit deadline anyone may finalize: the task fails and both seats are slashed.
    const testClient = createTestClient({ mode: 'anvil', transport: http(network.anvil.rpcUrl) });
    const now = (await network.publicClient.getBlock()).timestamp;
    await testClient.increaseTime({ seconds: Number(task.commitDeadline - now) + 1 });
    await testClient.mine({ blocks: 1 });
    await createAgoraClient({
      publicClient: network.publicClient,
      wallet: network.client,
      deployment: network.deployment,
    }).finalize(encodeTaskRecord(task), zeroHash);
    const settled = await settlementOf(network, taskId);
    expect(settled.status).toBe(taskStatus.failed);
    expect(settled.slashedMask).toBe(0b11n);
    expect(settled.paidMask).toBe(0n);
    const stakesAfter = await Promise.all(noShows.map((p) => bondedStake(network, p.account.address)));
    for (const [i, after] of stakesAfter.entries()) expect(after).toBeLessThan(stakesBefore[i]!);
    // The client's lock is released whole; what it was charged is the settlement's figure.
    const clientAfter = await escrowBalance(network, network.client.account.address);
    expect(clientAfter.locked).toBe(clientBefore.locked);
    expect(clientBefore.free - clientAfter.free).toBe(settled.charged);
  }, 90_000);
});
