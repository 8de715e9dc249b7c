// What the API returns, as zod schemas (they also make the OpenAPI document and the web app's types) and the
// converters from table rows. Amounts are decimal strings: JSON numbers cannot hold 256-bit integers.
import { z } from '@hono/zod-openapi';
import { CID } from 'multiformats/cid';
import type schema from 'ponder:schema';
import { type Hex, hexToBytes } from 'viem';

type Tables = typeof schema;
type ProviderRow = Tables['provider']['$inferSelect'];
type TaskRow = Tables['task']['$inferSelect'];
type TaskStepRow = Tables['taskStep']['$inferSelect'];
type DealRow = Tables['deal']['$inferSelect'];
type DealStepRow = Tables['dealStep']['$inferSelect'];
type ReviewRow = Tables['review']['$inferSelect'];

const amount = z.string().openapi({ example: '1200000', description: 'base units, decimal' });
const hex = z.string().openapi({ example: '0x…' });

/** The CID's usual text form; the hex bytes when they are not a CID. */
export function cidText(bytes: Hex): string {
  try {
    return CID.decode(hexToBytes(bytes)).toString();
  } catch {
    return bytes;
  }
}

const optionalAmount = (value: bigint | null) => (value === null ? null : value.toString());

export const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) }).openapi('Error');

export const providerSchema = z
  .object({
    address: hex,
    status: z.enum(['active', 'left']),
    registeredAt: z.number(),
    resources: z.object({
      cpuCores: z.number(),
      memoryMiB: z.number(),
      gpuCount: z.number(),
      gpuModel: z.string(),
      storageGiB: z.number(),
      region: z.number(),
      tee: z.boolean(),
      storage: z.boolean(),
    }),
    metadataCid: z.string(),
    bonded: amount,
    unbonding: amount,
    slashed: amount,
    jailedUntil: z.number().nullable(),
    pricePerFuel: amount.nullable(),
    storagePricePerGiBPeriod: amount.nullable(),
    reviews: z.object({
      count: z.number(),
      weightedMean: z.number().nullable(),
      /** The subjective ranking score. */
      score: z.number().nullable(),
      stars: z.array(z.number()),
    }),
    objective: z.object({
      tasksPaid: z.number(),
      tasksSlashed: z.number(),
      tasksFailed: z.number(),
      storageProofs: z.number(),
      storageMisses: z.number(),
      reliability: z.number().nullable(),
      /** The objective ranking score. */
      score: z.number().nullable(),
    }),
  })
  .openapi('Provider');

export type ProviderView = z.infer<typeof providerSchema>;

export function toProvider(row: ProviderRow): ProviderView {
  return {
    address: row.address,
    status: row.status === 'left' ? 'left' : 'active',
    registeredAt: Number(row.registeredAt),
    resources: {
      cpuCores: row.cpuCores,
      memoryMiB: row.memoryMiB,
      gpuCount: row.gpuCount,
      gpuModel: row.gpuModel,
      storageGiB: row.storageGiB,
      region: row.region,
      tee: (row.features & 1) !== 0,
      storage: (row.features & 2) !== 0,
    },
    metadataCid: cidText(row.metadataCid),
    bonded: row.bonded.toString(),
    unbonding: row.unbonding.toString(),
    slashed: row.slashed.toString(),
    jailedUntil: row.jailedUntil === 0n ? null : Number(row.jailedUntil),
    pricePerFuel: optionalAmount(row.pricePerFuel),
    storagePricePerGiBPeriod: optionalAmount(row.storagePricePerGiBPeriod),
    reviews: { count: row.reviewCount, weightedMean: row.reviewMean, score: row.reviewScore, stars: row.stars },
    objective: {
      tasksPaid: row.tasksPaid,
      tasksSlashed: row.tasksSlashed,
      tasksFailed: row.tasksFailed,
      storageProofs: row.storageProofs,
      storageMisses: row.storageMisses,
      reliability: row.reliability,
      score: row.objectiveScore,
    },
  };
}

export const taskSchema = z
  .object({
    taskId: hex,
    record: hex,
    client: hex,
    nonce: amount,
    token: hex,
    matcher: hex,
    pricePerFuel: amount,
    maxFuel: amount,
    quorum: z.number(),
    providers: z.array(hex),
    appCid: z.string(),
    inputCid: z.string(),
    status: z.enum(['matched', 'finalized', 'failed']),
    resultHash: hex.nullable(),
    fuelUsed: amount.nullable(),
    charged: amount.nullable(),
    paid: z.array(hex),
    slashed: z.array(hex),
    /** As in `TaskSettled`, for a review's proof of the settlement. */
    paidMask: amount.nullable(),
    matchedBlock: z.number(),
    matchedAt: z.number(),
    settledAt: z.number().nullable(),
  })
  .openapi('Task');

const inMask = (providers: readonly Hex[], mask: bigint | null) =>
  mask === null ? [] : providers.filter((_, index) => (mask >> BigInt(index)) & 1n);

export function toTask(row: TaskRow): z.infer<typeof taskSchema> {
  return {
    taskId: row.taskId,
    record: row.record,
    client: row.client,
    nonce: row.nonce.toString(),
    token: row.token,
    matcher: row.matcher,
    pricePerFuel: row.pricePerFuel.toString(),
    maxFuel: row.maxFuel.toString(),
    quorum: row.quorum,
    providers: row.providers,
    appCid: cidText(row.appCid),
    inputCid: cidText(row.inputCid),
    status: row.status === 'finalized' ? 'finalized' : row.status === 'failed' ? 'failed' : 'matched',
    resultHash: row.resultHash,
    fuelUsed: optionalAmount(row.fuelUsed),
    charged: optionalAmount(row.charged),
    paid: inMask(row.providers, row.paidMask),
    paidMask: optionalAmount(row.paidMask),
    slashed: inMask(row.providers, row.slashedMask),
    matchedBlock: Number(row.matchedBlock),
    matchedAt: Number(row.matchedAt),
    settledAt: row.settledAt === null ? null : Number(row.settledAt),
  };
}

const taskStepSchema = z.object({
  kind: z.enum(['matched', 'committed', 'revealed', 'settled']),
  provider: hex.nullable(),
  resultHash: hex.nullable(),
  fuelUsed: amount.nullable(),
  blockNumber: z.number(),
  timestamp: z.number(),
  transactionHash: hex,
});

export function toTaskStep(row: TaskStepRow): z.infer<typeof taskStepSchema> {
  return {
    kind: row.kind as z.infer<typeof taskStepSchema>['kind'],
    provider: row.provider,
    resultHash: row.resultHash,
    fuelUsed: optionalAmount(row.fuelUsed),
    blockNumber: Number(row.blockNumber),
    timestamp: Number(row.timestamp),
    transactionHash: row.transactionHash,
  };
}

export const taskDetailSchema = taskSchema.extend({ timeline: z.array(taskStepSchema) }).openapi('TaskDetail');

export const dealSchema = z
  .object({
    dealId: z.string(),
    client: hex,
    root: hex,
    size: amount,
    cid: z.string(),
    providers: z.array(hex),
    replicas: z.number(),
    periods: z.number(),
    periodBlocks: z.number(),
    startBlock: z.number(),
    payment: amount,
    collateral: amount,
    token: hex,
    status: z.enum(['active', 'finished']),
    proofs: z.number(),
    misses: z.number(),
    openedAt: z.number(),
    finishedAt: z.number().nullable(),
  })
  .openapi('Deal');

export function toDeal(row: DealRow): z.infer<typeof dealSchema> {
  return {
    dealId: row.dealId.toString(),
    client: row.client,
    root: row.root,
    size: row.size.toString(),
    cid: cidText(row.cid),
    providers: row.providers,
    replicas: row.replicas,
    periods: row.periods,
    periodBlocks: row.periodBlocks,
    startBlock: Number(row.startBlock),
    payment: row.payment.toString(),
    collateral: row.collateral.toString(),
    token: row.token,
    status: row.status === 'finished' ? 'finished' : 'active',
    proofs: row.proofs,
    misses: row.misses,
    openedAt: Number(row.openedAt),
    finishedAt: row.finishedAt === null ? null : Number(row.finishedAt),
  };
}

const dealStepSchema = z.object({
  dealId: z.string(),
  kind: z.enum(['opened', 'proven', 'missed', 'repaired', 'claimed', 'cancelled', 'renewed', 'finished']),
  slot: z.number().nullable(),
  provider: hex.nullable(),
  period: z.number().nullable(),
  amount: amount.nullable(),
  blockNumber: z.number(),
  timestamp: z.number(),
  transactionHash: hex,
});

export function toDealStep(row: DealStepRow): z.infer<typeof dealStepSchema> {
  return {
    dealId: row.dealId.toString(),
    kind: row.kind as z.infer<typeof dealStepSchema>['kind'],
    slot: row.slot,
    provider: row.provider,
    period: row.period,
    amount: optionalAmount(row.amount),
    blockNumber: Number(row.blockNumber),
    timestamp: Number(row.timestamp),
    transactionHash: row.transactionHash,
  };
}

export const dealDetailSchema = dealSchema.extend({ steps: z.array(dealStepSchema) }).openapi('DealDetail');

export const reviewSchema = z
  .object({
    reviewId: hex,
    provider: hex,
    client: hex,
    subject: z.enum(['task', 'deal']),
    /** The task id, or the deal id in decimal. */
    subjectId: z.string(),
    rating: z.number(),
    weight: amount,
    textCid: z.string(),
    responseCid: z.string().nullable(),
    createdAt: z.number(),
    respondedAt: z.number().nullable(),
  })
  .openapi('Review');

export function toReview(row: ReviewRow): z.infer<typeof reviewSchema> {
  const subject = row.subject === 'deal' ? 'deal' : 'task';
  return {
    reviewId: row.reviewId,
    provider: row.provider,
    client: row.client,
    subject,
    subjectId: subject === 'deal' ? BigInt(row.subjectId).toString() : row.subjectId,
    rating: row.rating,
    weight: row.weight.toString(),
    textCid: cidText(row.textCid),
    responseCid: row.responseCid === null ? null : cidText(row.responseCid),
    createdAt: Number(row.createdAt),
    respondedAt: row.respondedAt === null ? null : Number(row.respondedAt),
  };
}

export const statsPointSchema = z
  .object({
    start: z.number().openapi({ description: 'unix seconds' }),
    tasksMatched: z.number(),
    tasksFinalized: z.number(),
    tasksFailed: z.number(),
    computeVolume: amount,
    fuelUsed: amount,
    meanPricePerFuel: z.number().nullable(),
    dealsOpened: z.number(),
    storageBytes: amount,
    storageProofs: z.number(),
    storageMisses: z.number(),
    reviews: z.number(),
  })
  .openapi('StatsPoint');

export const summarySchema = z
  .object({
    providers: z.object({ total: z.number(), active: z.number(), bonded: amount }),
    tasks: z.object({ total: z.number(), finalized: z.number(), failed: z.number(), volume: amount }),
    deals: z.object({
      total: z.number(),
      active: z.number(),
      proofs: z.number(),
      misses: z.number(),
      storedBytes: amount,
    }),
    reviews: z.number(),
  })
  .openapi('Summary');

export type TaskView = z.infer<typeof taskSchema>;
export type TaskDetailView = z.infer<typeof taskDetailSchema>;
export type TaskStepView = z.infer<typeof taskStepSchema>;
export type DealView = z.infer<typeof dealSchema>;
export type DealDetailView = z.infer<typeof dealDetailSchema>;
export type DealStepView = z.infer<typeof dealStepSchema>;
export type ReviewView = z.infer<typeof reviewSchema>;
export type StatsPointView = z.infer<typeof statsPointSchema>;
export type SummaryView = z.infer<typeof summarySchema>;
