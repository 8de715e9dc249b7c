// Reads behind reviews and reputation that need the chain's history: the tasks a review right's proof passes
// through, and a provider's record of tasks and storage proofs. The indexer answers the same questions from
// its tables; these work against any RPC node, without it.
import type { Address, Hex, PublicClient } from 'viem';

import type { Deployment } from './deploy.js';
import { computeMarketAbi, reviewsAbi, storageMarketAbi } from './generated/contracts.js';
import { decodeSettlement, decodeTaskMatched, decodeTaskRecord } from './orders.js';
import { type ProviderActivity, providerOutcome } from './reputation.js';

/** `IReviews.Subject`. */
export const reviewSubject = { task: 0, deal: 1 } as const;

/** `TaskStatus` of contracts/src/types/Orders.sol, as the review hook's `LaterTask` carries it. */
const matchedStatus = 1;

export type LaterTask = { record: Hex; status: number; paidMask: bigint; charged: bigint };

/**
 * The tasks matched in the same lane of the same client after `record`'s task, oldest first, each with its
 * settlement: the hash chain `Reviews.reviewTask` follows from the reviewed task to the lane's current head.
 */
export async function laterTasksInLane(
  publicClient: PublicClient,
  market: Address,
  record: Hex,
  fromBlock: bigint,
): Promise<LaterTask[]> {
  const task = decodeTaskRecord(record);
  const lane = task.nonce >> 32n;
  const matched = await publicClient.getContractEvents({
    address: market,
    abi: computeMarketAbi,
    eventName: 'TaskMatched',
    args: { client: task.client },
    strict: true,
    fromBlock,
  });
  const later = matched
    .map((log) => {
      const matchedTerms = decodeTaskMatched(log.args.terms);
      return { taskId: log.args.taskId, record: matchedTerms.record, nonce: matchedTerms.task.nonce };
    })
    .filter(({ nonce }) => nonce >> 32n === lane && nonce > task.nonce)
    .sort((a, b) => (a.nonce < b.nonce ? -1 : 1));
  if (later.length === 0) return [];
  const settled = await publicClient.getContractEvents({
    address: market,
    abi: computeMarketAbi,
    eventName: 'TaskSettled',
    args: { taskId: later.map(({ taskId }) => taskId) },
    strict: true,
    fromBlock,
  });
  return later.map(({ taskId, record: laterRecord }) => {
    const log = settled.find(({ args }) => args.taskId === taskId);
    const settlement = log && decodeSettlement(log.args.settlement);
    return settlement
      ? {
          record: laterRecord,
          status: settlement.status,
          paidMask: settlement.paidMask,
          charged: settlement.charged,
        }
      : { record: laterRecord, status: matchedStatus, paidMask: 0n, charged: 0n };
  });
}

/**
 * The arguments of `Reviews.reviewTask` for a settled task: its record and settlement as `TaskSettled` gave them,
 * the lane's later tasks read from the chain, and the review.
 */
export async function reviewTaskArgs(
  publicClient: PublicClient,
  market: Address,
  task: { record: Hex; paidMask: bigint; charged: bigint; matchedBlock: bigint },
  review: { providerIndex: number; rating: number; textCid: Hex },
) {
  const later = await laterTasksInLane(publicClient, market, task.record, task.matchedBlock);
  return [
    task.record,
    task.paidMask,
    task.charged,
    later,
    BigInt(review.providerIndex),
    review.rating,
    review.textCid,
  ] as const;
}

/**
 * A provider's record from the markets' events since the deployment: tasks paid, slashed and failed, storage
 * proofs made and missed. Reads every task's settlement, so on a long-lived network ask the indexer instead.
 */
export async function readProviderActivity(
  publicClient: PublicClient,
  deployment: Deployment,
  provider: Address,
): Promise<ProviderActivity> {
  const fromBlock = BigInt(deployment.startBlock);
  const market = deployment.contracts.computeMarket;
  const storageMarket = deployment.contracts.storageMarket;
  const [matched, settled, proofs, misses] = await Promise.all([
    publicClient.getContractEvents({
      address: market,
      abi: computeMarketAbi,
      eventName: 'TaskMatched',
      strict: true,
      fromBlock,
    }),
    publicClient.getContractEvents({
      address: market,
      abi: computeMarketAbi,
      eventName: 'TaskSettled',
      strict: true,
      fromBlock,
    }),
    publicClient.getContractEvents({
      address: storageMarket,
      abi: storageMarketAbi,
      eventName: 'StorageProven',
      args: { provider },
      strict: true,
      fromBlock,
    }),
    publicClient.getContractEvents({
      address: storageMarket,
      abi: storageMarketAbi,
      eventName: 'ProofMissed',
      args: { provider },
      strict: true,
      fromBlock,
    }),
  ]);
  const providersOf = new Map(
    matched.map((log) => [log.args.taskId, decodeTaskMatched(log.args.terms).task.providers]),
  );
  const activity: ProviderActivity = {
    tasksPaid: 0,
    tasksSlashed: 0,
    tasksFailed: 0,
    storageProofs: proofs.length,
    storageMisses: misses.length,
  };
  const me = provider.toLowerCase();
  for (const { args } of settled) {
    const index = (providersOf.get(args.taskId) ?? []).findIndex((address) => address.toLowerCase() === me);
    if (index < 0) continue;
    const { paidMask, slashedMask } = decodeSettlement(args.settlement);
    const outcome = providerOutcome(index, paidMask, slashedMask);
    if (outcome === 'paid') activity.tasksPaid += 1;
    else if (outcome === 'slashed') activity.tasksSlashed += 1;
    else activity.tasksFailed += 1;
  }
  return activity;
}

export type ProviderReview = {
  reviewId: Hex;
  client: Address;
  subject: 'task' | 'deal';
  /** The task id, or the deal id as a 32-byte word. */
  subjectId: Hex;
  rating: number;
  weight: bigint;
  textCid: Hex;
  responseCid: Hex | null;
  blockNumber: bigint;
};

/** Every review of a provider, oldest first, with the provider's responses. */
export async function readProviderReviews(
  publicClient: PublicClient,
  deployment: Deployment,
  provider: Address,
): Promise<ProviderReview[]> {
  const fromBlock = BigInt(deployment.startBlock);
  const address = deployment.contracts.reviews;
  const [reviewed, responded] = await Promise.all([
    publicClient.getContractEvents({
      address,
      abi: reviewsAbi,
      eventName: 'Reviewed',
      args: { provider },
      strict: true,
      fromBlock,
    }),
    publicClient.getContractEvents({
      address,
      abi: reviewsAbi,
      eventName: 'ReviewResponded',
      args: { provider },
      strict: true,
      fromBlock,
    }),
  ]);
  return reviewed.map(({ args, blockNumber }) => ({
    reviewId: args.reviewId,
    client: args.client,
    subject: args.subject === reviewSubject.task ? 'task' : 'deal',
    subjectId: args.subjectId,
    rating: args.rating,
    weight: args.weight,
    textCid: args.textCid,
    responseCid: responded.find((log) => log.args.reviewId === args.reviewId)?.args.responseCid ?? null,
    blockNumber,
  }));
}
