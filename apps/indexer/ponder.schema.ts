// What the indexer keeps: providers with their stake, prices and both kinds of score; tasks and storage deals
// with every step; reviews; and per-minute market statistics. Ponder rolls every table back on a reorg.
import { index, onchainTable } from 'ponder';

export const provider = onchainTable(
  'provider',
  (t) => ({
    address: t.hex().primaryKey(),
    status: t.text().notNull(),
    registeredAt: t.bigint().notNull(),
    resources: t.bigint().notNull(),
    cpuCores: t.integer().notNull(),
    memoryMiB: t.integer().notNull(),
    gpuCount: t.integer().notNull(),
    gpuModel: t.text().notNull(),
    storageGiB: t.integer().notNull(),
    region: t.integer().notNull(),
    features: t.integer().notNull(),
    metadataCid: t.hex().notNull(),
    bonded: t.bigint().notNull(),
    unbonding: t.bigint().notNull(),
    jailedUntil: t.bigint().notNull(),
    slashed: t.bigint().notNull(),
    /** The price per fuel unit of its latest matched task (asks live off chain; this is what it last sold at). */
    pricePerFuel: t.bigint(),
    /** What its latest storage deal pays per GiB per period. */
    storagePricePerGiBPeriod: t.bigint(),
    tasksPaid: t.integer().notNull(),
    tasksSlashed: t.integer().notNull(),
    tasksFailed: t.integer().notNull(),
    storageProofs: t.integer().notNull(),
    storageMisses: t.integer().notNull(),
    reliability: t.doublePrecision(),
    /** Lower bound of `reliability` (see `objectiveScore` in the SDK): the objective ranking score. */
    objectiveScore: t.doublePrecision(),
    reviewCount: t.integer().notNull(),
    /** Sums over the reviews, as `reviewScoreFromSums` needs them. */
    reviewWeight: t.doublePrecision().notNull(),
    reviewWeightSquares: t.doublePrecision().notNull(),
    reviewWeightedShare: t.doublePrecision().notNull(),
    stars: t.integer().array().notNull(),
    reviewMean: t.doublePrecision(),
    /** Lower bound of the weighted rating (1 to 5): the subjective ranking score. */
    reviewScore: t.doublePrecision(),
  }),
  (table) => ({
    regionIndex: index().on(table.region),
    priceIndex: index().on(table.pricePerFuel),
  }),
);

export const task = onchainTable(
  'task',
  (t) => ({
    taskId: t.hex().primaryKey(),
    /** The packed record every later call passes back (a review needs it). */
    record: t.hex().notNull(),
    client: t.hex().notNull(),
    nonce: t.bigint().notNull(),
    token: t.hex().notNull(),
    matcher: t.hex().notNull(),
    pricePerFuel: t.bigint().notNull(),
    maxFuel: t.bigint().notNull(),
    quorum: t.integer().notNull(),
    providers: t.hex().array().notNull(),
    appCid: t.hex().notNull(),
    inputCid: t.hex().notNull(),
    /** matched, finalized or failed. */
    status: t.text().notNull(),
    resultHash: t.hex(),
    fuelUsed: t.bigint(),
    charged: t.bigint(),
    paidMask: t.bigint(),
    slashedMask: t.bigint(),
    matchedBlock: t.bigint().notNull(),
    matchedAt: t.bigint().notNull(),
    settledAt: t.bigint(),
  }),
  (table) => ({
    clientIndex: index().on(table.client),
    statusIndex: index().on(table.status),
  }),
);

/** One step of a task's timeline: matched, committed, revealed, settled. */
export const taskStep = onchainTable(
  'task_step',
  (t) => ({
    id: t.text().primaryKey(),
    taskId: t.hex().notNull(),
    kind: t.text().notNull(),
    provider: t.hex(),
    resultHash: t.hex(),
    fuelUsed: t.bigint(),
    blockNumber: t.bigint().notNull(),
    /** Position in the block: the timeline's order. */
    logIndex: t.integer().notNull(),
    timestamp: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ taskIndex: index().on(table.taskId) }),
);

export const deal = onchainTable(
  'deal',
  (t) => ({
    dealId: t.bigint().primaryKey(),
    client: t.hex().notNull(),
    root: t.hex().notNull(),
    size: t.bigint().notNull(),
    cid: t.hex().notNull(),
    providers: t.hex().array().notNull(),
    replicas: t.integer().notNull(),
    periods: t.integer().notNull(),
    periodBlocks: t.integer().notNull(),
    startBlock: t.bigint().notNull(),
    payment: t.bigint().notNull(),
    collateral: t.bigint().notNull(),
    token: t.hex().notNull(),
    /** active, finished. */
    status: t.text().notNull(),
    proofs: t.integer().notNull(),
    misses: t.integer().notNull(),
    openedAt: t.bigint().notNull(),
    finishedAt: t.bigint(),
  }),
  (table) => ({ clientIndex: index().on(table.client) }),
);

/** One step of a deal's history: opened, proven, missed, repaired, claimed, cancelled, renewed, finished. */
export const dealStep = onchainTable(
  'deal_step',
  (t) => ({
    id: t.text().primaryKey(),
    dealId: t.bigint().notNull(),
    kind: t.text().notNull(),
    slot: t.integer(),
    provider: t.hex(),
    period: t.integer(),
    amount: t.bigint(),
    blockNumber: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
    timestamp: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ dealIndex: index().on(table.dealId), providerIndex: index().on(table.provider) }),
);

export const review = onchainTable(
  'review',
  (t) => ({
    reviewId: t.hex().primaryKey(),
    provider: t.hex().notNull(),
    client: t.hex().notNull(),
    subject: t.text().notNull(),
    subjectId: t.hex().notNull(),
    rating: t.integer().notNull(),
    weight: t.bigint().notNull(),
    textCid: t.hex().notNull(),
    responseCid: t.hex(),
    createdAt: t.bigint().notNull(),
    respondedAt: t.bigint(),
  }),
  (table) => ({ providerIndex: index().on(table.provider) }),
);

/** Market activity per minute (`minute` is a unix time, a multiple of 60); the API sums it to hours and days. */
export const marketMinute = onchainTable('market_minute', (t) => ({
  minute: t.bigint().primaryKey(),
  tasksMatched: t.integer().notNull(),
  tasksFinalized: t.integer().notNull(),
  tasksFailed: t.integer().notNull(),
  /** What clients were charged for settled tasks. */
  computeVolume: t.bigint().notNull(),
  fuelUsed: t.bigint().notNull(),
  /** Sum of the matched tasks' prices per fuel unit, for the mean price. */
  priceSum: t.bigint().notNull(),
  dealsOpened: t.integer().notNull(),
  storageBytes: t.bigint().notNull(),
  storageProofs: t.integer().notNull(),
  storageMisses: t.integer().notNull(),
  reviews: t.integer().notNull(),
}));
