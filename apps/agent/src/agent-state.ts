// What the agent must remember across restarts: where it is on the chain, its current ask, and every task it has
// not yet seen settled, with the result and salt it committed to (written before the commit is sent).
import { z } from 'zod';

const hex = z.string().regex(/^0x[0-9a-fA-F]*$/) as z.ZodType<`0x${string}`>;
const bigintString = z.string().regex(/^\d+$/);

export const taskPhases = [
  /** Matched to this provider; the result is not computed yet. */
  'assigned',
  /** The result and salt are durable; nothing is on chain yet. */
  'executed',
  /** The commitment is on chain (replicated tasks). */
  'committed',
  /** The reveal (or, with one replica, the result) is on chain; waiting for settlement. */
  'revealed',
  /** The agent cannot complete its part (a window closed, the run timed out); it still settles the task. */
  'abandoned',
  /** Final: the market settled the task. */
  'settled',
] as const;

export type TaskPhase = (typeof taskPhases)[number];

export const taskResultSchema = z.object({
  outcome: z.string(),
  exitCode: z.number().int().nullable(),
  fuelUsed: bigintString,
  resultHash: hex,
  outputCid: z.string(),
  outputBytes: z.number().int(),
  /** SHA-256 of the original module, when it was accepted. */
  moduleHash: z.string().optional(),
});

export const trackedTaskSchema = z.object({
  taskId: hex,
  record: hex,
  /** This provider's position in the record's providers. */
  index: z.number().int(),
  appCid: hex,
  inputCid: hex,
  matchedBlock: z.number().int(),
  /**
   * While the task's seats are not drawn on chain: its pending record and content. The agent found itself drawn by
   * simulating `seat`, runs the task at once, and seats it with its commitment (`seatAndCommit`) unless someone
   * seated it first.
   */
  pending: z.object({ record: hex, content: hex }).optional(),
  phase: z.enum(taskPhases),
  result: taskResultSchema.optional(),
  /** Secret until the reveal; chosen and made durable together with the result, before the commit. */
  salt: hex.optional(),
  transactions: z.record(z.string(), hex).default({}),
  settlement: z
    .object({
      status: z.enum(['finalized', 'failed', 'retired']),
      paid: z.boolean(),
      slashed: z.boolean(),
      payment: bigintString,
      resultHash: hex,
    })
    .optional(),
  /** Why the task was abandoned, or the last error that held it up. */
  note: z.string().optional(),
  updatedAt: z.number(),
});

export type TrackedTask = z.infer<typeof trackedTaskSchema>;

export const signedAskSchema = z.object({
  ask: z.object({
    provider: hex,
    token: hex,
    pricePerFuel: bigintString,
    resources: bigintString,
    modes: z.number().int(),
    volume: z.number().int(),
    expiry: bigintString,
    nonce: bigintString,
  }),
  signature: hex,
});

export type StoredAsk = z.infer<typeof signedAskSchema>;

export const agentStateSchema = z.object({
  version: z.literal(1),
  chainId: z.number().int(),
  market: hex,
  provider: hex,
  /** The last block whose events were processed, with its hash to notice when a reorg replaced it. */
  cursor: z.object({ number: z.number().int(), hash: hex }).nullable(),
  ask: signedAskSchema.nullable(),
  /** The highest ask nonce signed so far; nonces are never reused. */
  askNonce: bigintString,
  tasks: z.record(z.string(), trackedTaskSchema),
  /**
   * Settled tasks, as agents before history.jsonl kept them: moved to that log when the agent starts. (One document
   * holding every settled task was copied, serialised and synced whole on every update.)
   */
  history: z.array(trackedTaskSchema).optional(),
});

export type AgentState = z.infer<typeof agentStateSchema>;

/** Settled tasks the agent keeps for its results API (history.jsonl), newest last. */
export const historyLimit = 1_000;
export const historyKey = (task: Pick<TrackedTask, 'taskId' | 'record'>) => `${task.taskId}:${task.record}`;
