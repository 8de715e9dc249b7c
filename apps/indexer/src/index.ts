// Indexing functions: every event of the registry, both markets and the review contract into the tables of
// ponder.schema.ts. Ponder calls them in chain order and undoes their writes on a reorg.
import { decodeSettlement, decodeTaskMatched } from '@agora/sdk/orders';
import {
  type ReviewSums,
  addReview,
  objectiveScore,
  providerOutcome,
  reviewScoreFromSums,
} from '@agora/sdk/reputation';
import { decodeResources } from '@agora/sdk/resources';
import { ponder } from 'ponder:registry';
import { deal, dealStep, marketMinute, provider, review, task, taskStep } from 'ponder:schema';
import type { Hex } from 'viem';

type Db = Parameters<Parameters<typeof ponder.on<'ComputeMarket:TaskMatched'>>[1]>[0]['context']['db'];
type Row = typeof provider.$inferSelect;
type MinuteRow = typeof marketMinute.$inferSelect;

const GiB = 1n << 30n;
/** `TaskStatus` of contracts/src/types/Orders.sol. */
const finalizedStatus = 2;
const reviewSubjects = ['task', 'deal'] as const;

type Placed = { transaction: { hash: Hex }; log: { logIndex: number }; block: { number: bigint; timestamp: bigint } };

const stepId = (event: Placed) => `${event.transaction.hash}-${event.log.logIndex}`;

/** Where a step happened, in chain order. */
const placeOf = (event: Placed) => ({
  blockNumber: event.block.number,
  logIndex: event.log.logIndex,
  timestamp: event.block.timestamp,
  transactionHash: event.transaction.hash,
});

function emptyMinute(minute: bigint): MinuteRow {
  return {
    minute,
    tasksMatched: 0,
    tasksFinalized: 0,
    tasksFailed: 0,
    computeVolume: 0n,
    fuelUsed: 0n,
    priceSum: 0n,
    dealsOpened: 0,
    storageBytes: 0n,
    storageProofs: 0,
    storageMisses: 0,
    reviews: 0,
  };
}

/** Adds to the statistics of the minute `timestamp` falls in. */
async function countMinute(db: Db, timestamp: bigint, change: (row: MinuteRow) => Partial<MinuteRow>) {
  const minute = timestamp - (timestamp % 60n);
  await db
    .insert(marketMinute)
    .values({ ...emptyMinute(minute), ...change(emptyMinute(minute)) })
    .onConflictDoUpdate((row) => change(row));
}

/** Updates a provider's protocol record and its objective score; a provider never registered is skipped. */
async function updateRecord(db: Db, address: Hex, change: (row: Row) => Partial<Row>) {
  const row = await db.find(provider, { address });
  if (!row) return;
  const next = { ...row, ...change(row) };
  const score = objectiveScore(next);
  await db
    .update(provider, { address })
    .set({ ...change(row), reliability: score.reliability, objectiveScore: score.lowerBound });
}

ponder.on('ProviderRegistry:ProviderRegistered', async ({ event, context }) => {
  const resources = decodeResources(event.args.resources);
  await context.db.insert(provider).values({
    address: event.args.provider,
    status: 'active',
    registeredAt: event.block.timestamp,
    resources: event.args.resources,
    ...resources,
    metadataCid: event.args.metadataCid,
    bonded: 0n,
    unbonding: 0n,
    jailedUntil: 0n,
    slashed: 0n,
    tasksPaid: 0,
    tasksSlashed: 0,
    tasksFailed: 0,
    storageProofs: 0,
    storageMisses: 0,
    reviewCount: 0,
    reviewWeight: 0,
    reviewWeightSquares: 0,
    reviewWeightedShare: 0,
    stars: [0, 0, 0, 0, 0],
  });
});

ponder.on('ProviderRegistry:ProviderProfileUpdated', async ({ event, context }) => {
  await context.db.update(provider, { address: event.args.provider }).set({
    resources: event.args.resources,
    ...decodeResources(event.args.resources),
    metadataCid: event.args.metadataCid,
  });
});

ponder.on('ProviderRegistry:Staked', async ({ event, context }) => {
  await context.db.update(provider, { address: event.args.provider }).set({ bonded: event.args.bonded });
});

ponder.on('ProviderRegistry:UnbondRequested', async ({ event, context }) => {
  await context.db
    .update(provider, { address: event.args.provider })
    .set((row) => ({ bonded: row.bonded - event.args.amount, unbonding: event.args.unbonding }));
});

ponder.on('ProviderRegistry:StakeWithdrawn', async ({ event, context }) => {
  await context.db
    .update(provider, { address: event.args.provider })
    .set((row) => ({ unbonding: row.unbonding - event.args.amount }));
});

ponder.on('ProviderRegistry:ProviderSlashed', async ({ event, context }) => {
  await context.db.update(provider, { address: event.args.provider }).set((row) => ({
    bonded: row.bonded - event.args.amount,
    slashed: row.slashed + event.args.amount,
    jailedUntil: BigInt(event.args.jailedUntil),
  }));
});

ponder.on('ProviderRegistry:ProviderJailed', async ({ event, context }) => {
  await context.db
    .update(provider, { address: event.args.provider })
    .set({ jailedUntil: BigInt(event.args.jailedUntil) });
});

ponder.on('ProviderRegistry:ProviderLeft', async ({ event, context }) => {
  await context.db
    .update(provider, { address: event.args.provider })
    .set({ status: 'left', bonded: 0n, unbonding: event.args.unbonding });
});

ponder.on('ComputeMarket:TaskMatched', async ({ event, context }) => {
  const { task: terms, record, appCid, inputCid } = decodeTaskMatched(event.args.terms);
  await context.db.insert(task).values({
    taskId: event.args.taskId,
    record,
    client: terms.client,
    nonce: terms.nonce,
    token: terms.token,
    matcher: terms.matcher,
    pricePerFuel: terms.pricePerFuel,
    maxFuel: terms.maxFuel,
    quorum: terms.quorum,
    providers: [...terms.providers],
    appCid,
    inputCid,
    status: 'matched',
    matchedBlock: event.block.number,
    matchedAt: event.block.timestamp,
  });
  await context.db.insert(taskStep).values({
    id: stepId(event),
    taskId: event.args.taskId,
    kind: 'matched',
    ...placeOf(event),
  });
  for (const address of terms.providers) {
    await context.db.update(provider, { address }).set({ pricePerFuel: terms.pricePerFuel });
  }
  await countMinute(context.db, event.block.timestamp, (row) => ({
    tasksMatched: row.tasksMatched + 1,
    priceSum: row.priceSum + terms.pricePerFuel,
  }));
});

ponder.on('ReplicatedVerifier:ResultCommitted', async ({ event, context }) => {
  await context.db.insert(taskStep).values({
    id: stepId(event),
    taskId: event.args.taskId,
    kind: 'committed',
    provider: event.args.provider,
    ...placeOf(event),
  });
});

ponder.on('ReplicatedVerifier:ResultRevealed', async ({ event, context }) => {
  await context.db.insert(taskStep).values({
    id: stepId(event),
    taskId: event.args.taskId,
    kind: 'revealed',
    provider: event.args.provider,
    resultHash: event.args.resultHash,
    fuelUsed: event.args.fuelUsed,
    ...placeOf(event),
  });
});

ponder.on('ComputeMarket:TaskSettled', async ({ event, context }) => {
  const { taskId, resultHash } = event.args;
  const { status, fuelUsed, paidMask, slashedMask, charged } = decodeSettlement(event.args.settlement);
  const finalized = status === finalizedStatus;
  const settled = await context.db.update(task, { taskId }).set({
    status: finalized ? 'finalized' : 'failed',
    resultHash,
    fuelUsed,
    charged,
    paidMask,
    slashedMask,
    settledAt: event.block.timestamp,
  });
  await context.db.insert(taskStep).values({
    id: stepId(event),
    taskId,
    kind: 'settled',
    resultHash,
    fuelUsed,
    ...placeOf(event),
  });
  for (const [index, address] of settled.providers.entries()) {
    const outcome = providerOutcome(index, paidMask, slashedMask);
    await updateRecord(context.db, address, (row) =>
      outcome === 'paid'
        ? { tasksPaid: row.tasksPaid + 1 }
        : outcome === 'slashed'
          ? { tasksSlashed: row.tasksSlashed + 1 }
          : { tasksFailed: row.tasksFailed + 1 },
    );
  }
  await countMinute(context.db, event.block.timestamp, (row) => ({
    tasksFinalized: row.tasksFinalized + (finalized ? 1 : 0),
    tasksFailed: row.tasksFailed + (finalized ? 0 : 1),
    computeVolume: row.computeVolume + charged,
    fuelUsed: row.fuelUsed + fuelUsed,
  }));
});

ponder.on('StorageMarket:DealOpened', async ({ event, context }) => {
  const { dealId, client, root, size, cid, providers, deal: terms } = event.args;
  await context.db.insert(deal).values({
    dealId,
    client,
    root,
    size,
    cid,
    providers: [...providers],
    replicas: terms.replicas,
    periods: terms.periods,
    periodBlocks: terms.periodBlocks,
    startBlock: BigInt(terms.startBlock),
    payment: terms.payment,
    collateral: terms.collateral,
    token: terms.token,
    status: 'active',
    proofs: 0,
    misses: 0,
    openedAt: event.block.timestamp,
  });
  await context.db.insert(dealStep).values({
    id: stepId(event),
    dealId,
    kind: 'opened',
    amount: terms.payment,
    ...placeOf(event),
  });
  // The deal pays `payment` per period for `size` bytes: per GiB, rounded up so a tiny file does not read as free.
  const perGiB = size === 0n ? 0n : (terms.payment * GiB + size - 1n) / size;
  for (const address of providers) {
    await context.db.update(provider, { address }).set({ storagePricePerGiBPeriod: perGiB });
  }
  await countMinute(context.db, event.block.timestamp, (row) => ({
    dealsOpened: row.dealsOpened + 1,
    storageBytes: row.storageBytes + size * BigInt(terms.replicas),
  }));
});

ponder.on('StorageMarket:StorageProven', async ({ event, context }) => {
  const { dealId, index, provider: address, period } = event.args;
  await context.db.insert(dealStep).values({
    id: stepId(event),
    dealId,
    kind: 'proven',
    slot: Number(index),
    provider: address,
    period: Number(period),
    ...placeOf(event),
  });
  await context.db.update(deal, { dealId }).set((row) => ({ proofs: row.proofs + 1 }));
  await updateRecord(context.db, address, (row) => ({ storageProofs: row.storageProofs + 1 }));
  await countMinute(context.db, event.block.timestamp, (row) => ({ storageProofs: row.storageProofs + 1 }));
});

ponder.on('StorageMarket:ProofMissed', async ({ event, context }) => {
  const { dealId, index, provider: address, period, collateral } = event.args;
  await context.db.insert(dealStep).values({
    id: stepId(event),
    dealId,
    kind: 'missed',
    slot: Number(index),
    provider: address,
    period: Number(period),
    amount: collateral,
    ...placeOf(event),
  });
  await context.db.update(deal, { dealId }).set((row) => ({ misses: row.misses + 1 }));
  await updateRecord(context.db, address, (row) => ({ storageMisses: row.storageMisses + 1 }));
  await countMinute(context.db, event.block.timestamp, (row) => ({ storageMisses: row.storageMisses + 1 }));
});

ponder.on('StorageMarket:SlotRepaired', async ({ event, context }) => {
  const { dealId, index, provider: address, fromPeriod } = event.args;
  await context.db.insert(dealStep).values({
    id: stepId(event),
    dealId,
    kind: 'repaired',
    slot: Number(index),
    provider: address,
    period: Number(fromPeriod),
    ...placeOf(event),
  });
  await context.db.update(deal, { dealId }).set((row) => ({
    providers: row.providers.map((held, slot) => (slot === Number(index) ? address : held)),
  }));
});

ponder.on('StorageMarket:EarningsClaimed', async ({ event, context }) => {
  const { dealId, index, provider: address, amount } = event.args;
  await context.db.insert(dealStep).values({
    id: stepId(event),
    dealId,
    kind: 'claimed',
    slot: Number(index),
    provider: address,
    amount,
    ...placeOf(event),
  });
});

/** A cancellation or renewal: the deal's length changes to `periods`; `amount` is the refund or the cost. */
async function lengthChanged(
  db: Db,
  event: Placed,
  kind: 'cancelled' | 'renewed',
  dealId: bigint,
  periods: bigint,
  amount: bigint,
) {
  await db.update(deal, { dealId }).set({ periods: Number(periods) });
  await db
    .insert(dealStep)
    .values({ id: stepId(event), dealId, kind, period: Number(periods), amount, ...placeOf(event) });
}

ponder.on('StorageMarket:DealCancelled', async ({ event, context }) => {
  await lengthChanged(context.db, event, 'cancelled', event.args.dealId, event.args.periods, event.args.refund);
});

ponder.on('StorageMarket:DealRenewed', async ({ event, context }) => {
  await lengthChanged(context.db, event, 'renewed', event.args.dealId, event.args.periods, event.args.cost);
});

ponder.on('StorageMarket:DealFinished', async ({ event, context }) => {
  const { dealId, refund } = event.args;
  await context.db.update(deal, { dealId }).set({ status: 'finished', finishedAt: event.block.timestamp });
  await context.db.insert(dealStep).values({
    id: stepId(event),
    dealId,
    kind: 'finished',
    amount: refund,
    ...placeOf(event),
  });
});

ponder.on('Reviews:Reviewed', async ({ event, context }) => {
  const { reviewId, provider: address, client, subject, subjectId, rating, weight, textCid } = event.args;
  await context.db.insert(review).values({
    reviewId,
    provider: address,
    client,
    subject: reviewSubjects[subject] ?? 'task',
    subjectId,
    rating,
    weight,
    textCid,
    createdAt: event.block.timestamp,
  });
  const row = await context.db.find(provider, { address });
  if (row) {
    const sums: ReviewSums = addReview(
      {
        count: row.reviewCount,
        weight: row.reviewWeight,
        weightSquares: row.reviewWeightSquares,
        weightedShare: row.reviewWeightedShare,
        stars: row.stars,
      },
      { rating, weight },
    );
    const score = reviewScoreFromSums(sums);
    await context.db.update(provider, { address }).set({
      reviewCount: sums.count,
      reviewWeight: sums.weight,
      reviewWeightSquares: sums.weightSquares,
      reviewWeightedShare: sums.weightedShare,
      stars: [...sums.stars],
      reviewMean: score.weightedMean,
      reviewScore: score.lowerBound,
    });
  }
  await countMinute(context.db, event.block.timestamp, (minute) => ({ reviews: minute.reviews + 1 }));
});

ponder.on('Reviews:ReviewResponded', async ({ event, context }) => {
  await context.db
    .update(review, { reviewId: event.args.reviewId })
    .set({ responseCid: event.args.responseCid, respondedAt: event.block.timestamp });
});
