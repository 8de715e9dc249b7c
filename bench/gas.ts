// Gas of a whole task lifecycle, measured from real transaction receipts on anvil (base cost, calldata and
// refunds included), in steady state: every account, fee pot, ask counter, lane and replica word has been written by an earlier
// task, as on a live market. The first-ever task of a fresh client and fresh providers is reported too.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { type TransactionReceipt, keccak256, toHex } from 'viem';

import { nonceOf } from '@agora/sdk';
import { commitResult, matchTask, revealResult, startNetwork, submitResult } from '@agora/e2e';

const resultsFile = join(dirname(fileURLToPath(import.meta.url)), 'results', 'gas.json');
const resultHash = keccak256(toHex('the output'));
const fuelUsed = 123_456n;

const gas = (receipts: TransactionReceipt[]) => receipts.reduce((sum, r) => sum + Number(r.gasUsed), 0);

const network = await startNetwork({ providerCount: 3 });
try {
  // A client reuses its lanes, as the SDK does: one lane for the r1 tasks, one for the r3 tasks.
  const sequence = new Map<number, number>();
  const nextNonce = (lane: number) => {
    const seq = (sequence.get(lane) ?? 0) + 1;
    sequence.set(lane, seq);
    return nonceOf(lane, seq);
  };
  async function lifecycleR1() {
    const matched = await matchTask(network, { replicas: 1, quorum: 1, nonce: nextNonce(1_000) });
    const settled = await submitResult(network, matched.task, resultHash, fuelUsed);
    return { match: gas([matched.receipt]), submitResult: gas([settled]) };
  }
  async function lifecycleR3() {
    const matched = await matchTask(network, { replicas: 3, quorum: 2, nonce: nextNonce(1_001) });
    const commits: TransactionReceipt[] = [];
    const reveals: TransactionReceipt[] = [];
    for (let i = 0; i < 3; i++) commits.push(await commitResult(network, matched.task, i, resultHash, fuelUsed));
    for (let i = 0; i < 3; i++) reveals.push(await revealResult(network, matched.task, i, resultHash, fuelUsed));
    return {
      match: gas([matched.receipt]),
      commits: commits.map((r) => Number(r.gasUsed)),
      reveals: reveals.map((r) => Number(r.gasUsed)),
    };
  }

  const firstR1 = await lifecycleR1();
  const firstR3 = await lifecycleR3();
  const r1 = await lifecycleR1();
  const r3 = await lifecycleR3();
  const total = (steps: { match: number; submitResult?: number; commits?: number[]; reveals?: number[] }) =>
    steps.match +
    (steps.submitResult ?? 0) +
    (steps.commits ?? []).reduce((a, b) => a + b, 0) +
    (steps.reveals ?? []).reduce((a, b) => a + b, 0);

  const results = {
    'compute.lifecycle.r1': total(r1),
    'compute.lifecycle.r3': total(r3),
    'compute.lifecycle.r1.firstTask': total(firstR1),
    'compute.lifecycle.r3.firstTask': total(firstR3),
    steps: { r1, r3 },
    goals: { 'compute.lifecycle.r1': 120_000, 'compute.lifecycle.r3': 400_000 },
    notes:
      'Sum of gasUsed over real transactions on anvil (cancun). r1 = matchOrders + submitResult; r3 = matchOrders + 3 commits + 3 reveals, the last reveal finalizing. Steady state: accounts, fee pot, ask fill counters, the client lane and its replica words already written by an earlier task, as for any client that reuses its lanes. firstTask: a fresh client, fresh providers, fresh asks and a fresh lane.',
  };
  mkdirSync(dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
} finally {
  await network.stop();
}
