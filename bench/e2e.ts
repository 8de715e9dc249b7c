// End-to-end figures on the local network with an automining anvil (a block per transaction): the overhead the
// market adds to a task (submit to settled, minus the execution itself) for 1 and 3 replicas, and sustained
// throughput. Writes bench/results/e2e.json.
//
// Submit is what `agora task submit` does (check the app, upload app and input, sign, post to the matcher); settled is
// the first moment `taskStatus` reads finalized, read once at submit and then at every new block the node announces
// over its WebSocket (the client, like the services, talks to anvil over it). Execution is the median wall time of
// the same run in the runtime pool on this machine.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, startDevNetwork, submitTask } from '@agora/cli';
import { readExample } from '@agora/examples';
import { createRuntimePool, prepareApp } from '@agora/runtime';
import { taskStatus } from '@agora/sdk';

const app = await readExample('echo');
const stdin = new TextEncoder().encode('hello');
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
  // Reads `status` of every pending task at once and at each new block until all are final.
  const waitFinal = (tasks: { bid: { client: `0x${string}`; nonce: bigint }; taskId: string }[]) =>
    new Promise<void>((resolve, reject) => {
      const pending = new Set(tasks);
      let reading = false;
      let again = false;
      const check = async () => {
        if (reading) return void (again = true);
        reading = true;
        do {
          again = false;
          for (const task of [...pending]) {
            const status = await agora.taskStatus(task.bid.client, task.bid.nonce);
            if (status === taskStatus.failed) throw new Error(`task ${task.taskId} failed`);
            if (status === taskStatus.finalized) pending.delete(task);
          }
        } while (again && pending.size > 0);
        reading = false;
        if (pending.size === 0) {
          unwatch();
          resolve();
        }
      };
      const fail = (error: unknown) => {
        unwatch();
        reject(error instanceof Error ? error : new Error(String(error)));
      };
      const unwatch = agora.publicClient.watchBlockNumber({
        emitOnBegin: false,
        onBlockNumber: () => void check().catch(fail),
        onError: fail,
      });
      void check().catch(fail);
    });
  const quiet = () => undefined;

  async function settle(replicas: number) {
    const started = performance.now();
    const submitted = await submitTask(
      network,
      agora,
      { app, args: ['x'], stdin, replicas, maxPricePerFuel: 10n, maxFuel: 100_000_000n, ttlSeconds: 600 },
      quiet,
    );
    await waitFinal([submitted]);
    return performance.now() - started;
  }

  const overhead = async (replicas: number, count: number) => {
    for (let i = 0; i < 3; i++) await settle(replicas); // warm-up
    const totals: number[] = [];
    for (let i = 0; i < count; i++) totals.push(await settle(replicas));
    console.error(`r${replicas}: median ${median(totals).toFixed(1)} ms over ${count} tasks`);
    return { p50Ms: median(totals) - executionMs, totalP50Ms: median(totals), samples: count };
  };
  const r1 = await overhead(1, 30);
  const r3 = await overhead(3, 20);

  // Throughput: many 1-replica tasks in flight at once, each in a lane of its own.
  const tasks = Number(process.env.BENCH_TASKS ?? 60);
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
  await waitFinal(submitted);
  const seconds = (performance.now() - started) / 1000;

  const results = {
    'overhead.r1.p50Ms': Math.round(r1.p50Ms * 10) / 10,
    'overhead.r3.p50Ms': Math.round(r3.p50Ms * 10) / 10,
    'throughput.tasksPerSec': Math.round((tasks / seconds) * 10) / 10,
    details: {
      executionMs,
      r1,
      r3,
      throughput: { tasks, seconds, replicas: 1 },
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
