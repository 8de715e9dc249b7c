// End-to-end figures on the local network with an automining anvil (a block per transaction): the overhead the
// market adds to a task (submit to settled, minus the execution itself) for 1 and 3 replicas, and sustained
// throughput. Writes bench/results/e2e.json.
//
// Submit is what `agora task submit` does (check the app, upload app and input, sign, post to the matcher); settled is
// the moment the client sees the task's `TaskSettled` event (it follows the market's events over the node's
// WebSocket, as the services do). Execution is the median wall time of the same run in the runtime pool on this
// machine.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, startDevNetwork, submitTask } from '@agora/cli';
import { readExample } from '@agora/examples';
import { createRuntimePool, prepareApp } from '@agora/runtime';
import { computeMarketAbi, decodeSettlement, taskStatus } from '@agora/sdk';
import { type Hex, type Log, decodeEventLog, encodeEventTopics, getAbiItem } from 'viem';

const app = await readExample('echo');
const stdin = new TextEncoder().encode('hello');
const settledEvent = getAbiItem({ abi: computeMarketAbi, name: 'TaskSettled' });
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

// Execution alone: the same module, input and fuel in a warm pool, as an agent runs it.
const pool = createRuntimePool({ size: 1, timeoutMs: 10_000 });
const prepared = prepareApp(app);
const executions: number[] = [];
for (let i = 0; i < 50; i++) {
  const started = performance.now();
  await pool.run(prepared, { args: ['x'], input: stdin, fuel: 100_000_000n, seed: new Uint8Array(32), clockNs: 0n });
  executions.push(performance.now() - started);
}
await pool.close();
const executionMs = median(executions.slice(10));

const dir = await mkdtemp(path.join(tmpdir(), 'agora-bench-e2e-'));
console.error(`execution alone: ${executionMs.toFixed(2)} ms`);
const dev = await startDevNetwork({ dir, providers: 3, blockTime: 0, pollIntervalMs: 10 });
try {
  const network = dev.network;
  const agora = connect({ ...network, rpcUrl: dev.anvil.wsUrl });
  // Settled is the task's `TaskSettled` event: the client subscribes to the market's settlements over the node's
  // WebSocket and, once the subscription stands, reads the ones already made since the block before the first submit
  // (in that order, so no settlement falls between the two).
  const market = network.deployment.contracts.computeMarket;
  const settledTopics = encodeEventTopics({ abi: computeMarketAbi, eventName: 'TaskSettled' });
  const { subscribe } = agora.publicClient.transport as unknown as {
    subscribe: (args: {
      params: ['logs', { address: Hex; topics: typeof settledTopics }];
      onData: (data: { result: Log }) => void;
      onError: (error: Error) => void;
    }) => Promise<{ unsubscribe: () => Promise<unknown> }>;
  };
  const settleTimeoutMs = 120_000;
  const waitFinal = async (tasks: { taskId: Hex }[], fromBlock: bigint) => {
    const pending = new Set(tasks.map((task) => task.taskId.toLowerCase()));
    let failed: Error | undefined;
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const seen = (logs: readonly Log[]) => {
      for (const log of logs) {
        const { args } = decodeEventLog({ abi: computeMarketAbi, eventName: 'TaskSettled', ...log });
        if (!pending.delete(args.taskId.toLowerCase())) continue;
        if (decodeSettlement(args.settlement).status !== taskStatus.finalized) {
          failed ??= new Error(`task ${args.taskId} did not finalize`);
        }
      }
      if (pending.size === 0 || failed) done();
    };
    const subscription = await subscribe({
      params: ['logs', { address: market, topics: settledTopics }],
      onData: ({ result }) => seen([result]),
      onError: (error) => {
        failed ??= error;
        done();
      },
    });
    // A task that never settles fails the run, naming it, rather than leaving the benchmark waiting forever.
    const deadline = setTimeout(() => {
      failed ??= new Error(`not settled after ${settleTimeoutMs} ms: ${[...pending].join(', ')}`);
      done();
    }, settleTimeoutMs);
    try {
      seen(await agora.publicClient.getLogs({ address: market, fromBlock, toBlock: 'latest', event: settledEvent }));
      await finished;
    } finally {
      clearTimeout(deadline);
      await subscription.unsubscribe();
    }
    if (failed) throw failed;
  };
  const quiet = () => undefined;

  async function settle(replicas: number) {
    const fromBlock = await agora.publicClient.getBlockNumber({ cacheTime: 0 });
    const started = performance.now();
    const submitted = await submitTask(
      network,
      agora,
      { app, args: ['x'], stdin, replicas, maxPricePerFuel: 10n, maxFuel: 100_000_000n, ttlSeconds: 600 },
      quiet,
    );
    await waitFinal([submitted], fromBlock);
    const elapsed = performance.now() - started;
    agora.lanes.settled(submitted.bid.nonce);
    return elapsed;
  }

  // This machine is shared: whole stretches of a run are faster or slower than others. So each figure is measured in
  // `rounds` rounds spread over the run (r1, r3 and throughput taking turns), every round is kept in the details,
  // and the figure is the median round.
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const overheadRound = async (replicas: number, count: number) => {
    const totals: number[] = [];
    for (let i = 0; i < count; i++) totals.push(await settle(replicas));
    return median(totals);
  };

  // Throughput: many 1-replica tasks in flight at once, each in a lane of its own.
  const tasks = Number(process.env.BENCH_TASKS ?? 300);
  const throughputRound = async () => {
    const fromBlock = await agora.publicClient.getBlockNumber({ cacheTime: 0 });
    const started = performance.now();
    const submitted = [];
    for (let i = 0; i < tasks; i += 20) {
      submitted.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(20, tasks - i) }, () =>
            submitTask(
              network,
              agora,
              { app, args: ['x'], stdin, replicas: 1, maxPricePerFuel: 10n, maxFuel: 100_000_000n, ttlSeconds: 600 },
              quiet,
            ),
          ),
        )),
      );
    }
    await waitFinal(submitted, fromBlock);
    const elapsed = performance.now() - started;
    for (const task of submitted) agora.lanes.settled(task.bid.nonce);
    return tasks / (elapsed / 1000);
  };

  for (let i = 0; i < 3; i++) await settle(1); // warm-up
  for (let i = 0; i < 3; i++) await settle(3);
  const r1Rounds: number[] = [];
  const r3Rounds: number[] = [];
  const throughputRounds: number[] = [];
  for (let round = 0; round < rounds; round++) {
    r1Rounds.push((await overheadRound(1, 30)) - executionMs);
    r3Rounds.push((await overheadRound(3, 20)) - executionMs);
    throughputRounds.push(await throughputRound());
    console.error(
      `round ${round + 1}: r1 ${r1Rounds.at(-1).toFixed(1)} ms, r3 ${r3Rounds.at(-1).toFixed(1)} ms, ` +
        `${throughputRounds.at(-1).toFixed(1)} tasks/s`,
    );
  }
  const r1 = { p50Ms: median(r1Rounds), roundsP50Ms: r1Rounds, samplesPerRound: 30 };
  const r3 = { p50Ms: median(r3Rounds), roundsP50Ms: r3Rounds, samplesPerRound: 20 };
  const tasksPerSec = median(throughputRounds);

  const results = {
    'overhead.r1.p50Ms': Math.round(r1.p50Ms * 10) / 10,
    'overhead.r3.p50Ms': Math.round(r3.p50Ms * 10) / 10,
    'throughput.tasksPerSec': Math.round(tasksPerSec * 10) / 10,
    details: {
      executionMs,
      r1,
      r3,
      throughput: { tasksPerRound: tasks, roundsTasksPerSec: throughputRounds, replicas: 1 },
      rounds,
      setup:
        'anvil automine, 3 provider agents polling every 10 ms (woken by the matcher), continuous matcher, agents, ' +
        'matcher and client over WebSocket RPC, all in one process on this machine',
    },
  };
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/e2e.json', `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
  await agora.close();
} finally {
  await dev.stop();
  await rm(dir, { recursive: true, force: true });
}
