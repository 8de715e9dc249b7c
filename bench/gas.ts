// Gas of a whole task lifecycle, measured from real transaction receipts on anvil (base cost, calldata and
// refunds included), in steady state: every account, fee pot, lane and replica word has been written by an earlier task,
// and each provider is matched with the standing ask it was matched with before (an agent keeps one), as on a live
// market. The first-ever task of a fresh client and fresh providers is reported too, and a match with a provider's
// new ask (its previous ask's count moves to a slot of its own).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { randomBytes } from 'node:crypto';

import { type Hex, type TransactionReceipt, bytesToHex, concat, keccak256, toHex } from 'viem';

import { nonceOf, storageMarketAbi } from '@agora/sdk';
import {
  commitResult,
  matchPendingTask,
  matchTask,
  revealLastResult,
  revealResult,
  seatAndCommitResult,
  startNetwork,
  submitResult,
} from '@agora/e2e';
import { fundStorage, mineTo, openStorageDeal, storageMarketOf } from '@agora/e2e/storage';

const resultsFile = join(dirname(fileURLToPath(import.meta.url)), 'results', 'gas.json');
const resultHash = keccak256(toHex('the output'));
const fuelUsed = 123_456n;

const gas = (receipts: TransactionReceipt[]) => receipts.reduce((sum, r) => sum + Number(r.gasUsed), 0);

const network = await startNetwork({ providerCount: 3 });

/**
 * A file whose 2^depth segments are all the same random 64 bytes: a real file with a real root, whose every
 * segment has the same path (each sibling is the level's one node), so a 64 GiB tree costs 30 hashes to build.
 * Calldata is what it would be for any file: a random segment and distinct random-looking siblings.
 */
function uniformFile(depth: number) {
  const segment = bytesToHex(randomBytes(64));
  const levels: Hex[] = [keccak256(segment)];
  for (let k = 0; k < depth; k++) levels.push(keccak256(concat([levels[k]!, levels[k]!])));
  return {
    root: levels[depth]!,
    size: 64 * 2 ** depth,
    segment: [`0x${segment.slice(2, 66)}`, `0x${segment.slice(66)}`] as const satisfies readonly [Hex, Hex],
    siblings: levels.slice(0, depth),
  };
}

/** Gas of one proof of the deal's slot 0 in period 1 (period 0 proven first, as in steady state). */
async function proofGas(depth: number): Promise<{ proof: number; open: number }> {
  const file = uniformFile(depth);
  const { dealId, providers, receipt: opened } = await openStorageDeal(network, file, { replicas: 1, periods: 4 });
  const market = storageMarketOf(network);
  let gasUsed = 0;
  for (let period = 0; period < 2; period++) {
    const challenge = await network.publicClient.readContract({
      address: market,
      abi: storageMarketAbi,
      functionName: 'challengeOf',
      args: [dealId, 0n],
    });
    await mineTo(network, challenge.opensAt);
    const hash = await providers[0]!.writeContract({
      address: market,
      abi: storageMarketAbi,
      functionName: 'prove',
      args: [dealId, 0n, file.segment, file.siblings],
    });
    const receipt = await network.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`proof of depth ${depth} reverted`);
    gasUsed = Number(receipt.gasUsed);
  }
  return { proof: gasUsed, open: Number(opened.gasUsed) };
}

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
    const pending = await matchPendingTask(network, { replicas: 3, quorum: 2, nonce: nextNonce(1_001) });
    const { task } = pending;
    // The first drawn provider to commit seats the task with it (`seatAndCommit`), the last reveals at once
    // (`revealLast`): its result cannot change the others' commitments.
    const seatAndCommit = await seatAndCommitResult(network, pending, 0, resultHash, fuelUsed);
    const commit = await commitResult(network, task, 1, resultHash, fuelUsed);
    const revealLast = await revealLastResult(network, task, 2, resultHash, fuelUsed);
    const reveals: TransactionReceipt[] = [];
    for (let i = 0; i < 2; i++) reveals.push(await revealResult(network, task, i, resultHash, fuelUsed));
    return {
      match: Number(pending.receipt.gasUsed),
      seatAndCommit: Number(seatAndCommit.gasUsed),
      commits: [Number(commit.gasUsed)],
      revealLast: Number(revealLast.gasUsed),
      reveals: reveals.map((r) => Number(r.gasUsed)),
    };
  }

  const firstR1 = await lifecycleR1();
  const firstR3 = await lifecycleR3();
  const r1 = await lifecycleR1();
  // The draw's cost depends on its seed (a try that finds an ineligible or lightly staked member is spent), so the
  // figure is the median of several tasks.
  const r3Runs = [];
  for (let i = 0; i < 7; i++) r3Runs.push(await lifecycleR3());
  const newAsk = await matchTask(network, { replicas: 1, quorum: 1, nonce: nextNonce(1_000) }, { nonce: 2n });
  await submitResult(network, newAsk.task, resultHash, fuelUsed);
  const total = (steps: {
    match: number;
    seatAndCommit?: number;
    submitResult?: number;
    commits?: number[];
    revealLast?: number;
    reveals?: number[];
  }) =>
    steps.match +
    (steps.seatAndCommit ?? 0) +
    (steps.submitResult ?? 0) +
    (steps.commits ?? []).reduce((a, b) => a + b, 0) +
    (steps.revealLast ?? 0) +
    (steps.reveals ?? []).reduce((a, b) => a + b, 0);
  r3Runs.sort((a, b) => total(a) - total(b));
  const r3 = r3Runs[3]!;

  await fundStorage(network, network.client, 10n ** 15n);
  for (const provider of network.providers) await fundStorage(network, provider, 10n ** 15n);
  const depth20 = await proofGas(20);
  const depth30 = await proofGas(30);
  const openR2 = await openStorageDeal(network, uniformFile(20), { replicas: 2, periods: 4 });

  const results = {
    'compute.lifecycle.r1': total(r1),
    'compute.lifecycle.r3': total(r3),
    'compute.lifecycle.r3.range': [total(r3Runs[0]!), total(r3Runs[r3Runs.length - 1]!)],
    'compute.lifecycle.r1.firstTask': total(firstR1),
    'compute.lifecycle.r3.firstTask': total(firstR3),
    'compute.match.r1.newAsk': Number(newAsk.receipt.gasUsed),
    'storage.proof.depth20': depth20.proof,
    'storage.proof.depth30': depth30.proof,
    'storage.deal.open': depth20.open,
    'storage.deal.open.r2': Number(openR2.receipt.gasUsed),
    steps: { r1, r3 },
    goals: {
      'compute.lifecycle.r1': 120_000,
      'compute.lifecycle.r3': 400_000,
      'storage.proof.depth20': 52_000,
      'storage.proof.depth30': 65_000,
    },
    notes:
      'Sum of gasUsed over real transactions on anvil (cancun). r1 = matchOrders + submitResult; r3 = matchOrders (the bid alone) + seatAndCommit (the first drawn provider draws the three seats from the replica pool, stake-weighted, in a later block, and commits in the same transaction) + 1 commit + the third provider revealLast (the last to commit reveals without a commitment) + 2 reveals, the last finalizing; the pool holds the 3 providers of the network; the median of 7 tasks, whose draws differ by seed (.range: the cheapest and dearest). Steady state: accounts, fee pot, the client lane and its replica words already written by an earlier task, as for any client that reuses its lanes, and each provider matched with the same standing ask as before (its hot ask, counted in the provider word). firstTask: a fresh client, fresh providers, fresh asks and a fresh lane. compute.match.r1.newAsk: a matchOrders whose provider signed a new ask while its previous one was hot (the old count moves to a slot of its own). storage.proof.depthN: one prove transaction (a 64-byte segment and N siblings) of a deal over 2^N segments, in its second period; anvil runs a post-Prague fork, so calldata pays at least the EIP-7623 floor. storage.deal.open: matchDeal with one replica (and .r2 with two), the acceptance of each provider (its signature over the bid) checked, client and providers with escrow balances already written.',
  };
  mkdirSync(dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
} finally {
  await network.stop();
}
