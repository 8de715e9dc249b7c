// Finds this provider's assignments in `TaskMatched` events (and, foreseen by simulating the draw, in `TaskPending`), block range by block range, acting only on blocks
// `confirmations` deep. The last processed block and its hash are durable: a restart resumes after it, and when
// the chain no longer has that hash (a reorg replaced it) the watcher steps back `reorgDepth` blocks and reads
// them again. Reading twice is harmless: assignments are keyed by task id (and made durable before the cursor
// passes them), and a task re-matched with other terms replaces the old one. So the cursor itself goes to disk at
// most once a second, not at every block: a restart reads at most a second of blocks again.
import { computeMarketAbi, decodeTaskMatched, decodeTaskPending } from '@agora/sdk';
import type { Address, Hex } from 'viem';
import type { AgentState } from './agent-state.js';
import type { AgentChain } from './chain.js';
import type { Logger } from '@agora/service';
import type { AgentMetrics } from './metrics.js';
import type { DurableState } from './state.js';
import type { TaskManager } from './tasks.js';

export type AssignmentWatcher = {
  /**
   * Processes every confirmed block not processed yet, up to `latest` (the chain's head, read now when not given);
   * with the head's timestamp, new assignments start running as they are recorded.
   */
  poll(latest?: { number: bigint; hash: Hex; parentHash: Hex; timestamp?: bigint }): Promise<void>;
};

export function createAssignmentWatcher(options: {
  chain: AgentChain;
  market: Address;
  state: DurableState<AgentState>;
  tasks: TaskManager;
  logger: Logger;
  metrics: AgentMetrics;
  startBlock: number;
  confirmations: number;
  reorgDepth: number;
  logBatchBlocks: number;
}): AssignmentWatcher {
  const { chain, market, state, tasks, logger, metrics } = options;
  const { publicClient } = chain;
  const cursorPersistMs = 1_000;
  let cursor = state.read().cursor;
  let cursorPersistedAt = 0;
  const moveCursor = async (next: { number: number; hash: Hex }) => {
    cursor = next;
    if (Date.now() - cursorPersistedAt < cursorPersistMs) return;
    cursorPersistedAt = Date.now();
    await state.update((draft) => {
      draft.cursor = next;
    });
  };

  /** Where to read from, and whether that re-reads blocks a reorg replaced. */
  const firstUnprocessed = async (
    cursor: { number: number; hash: Hex } | null,
    latest?: { number: bigint; parentHash: Hex },
  ): Promise<{ from: number; reorg: boolean }> => {
    if (!cursor) return { from: options.startBlock, reorg: false };
    // The head's parent hash settles the common case (the cursor is the block just below the head) without a read.
    const hash =
      latest && Number(latest.number) === cursor.number + 1
        ? latest.parentHash
        : (await publicClient.getBlock({ blockNumber: BigInt(cursor.number) }).catch(() => undefined))?.hash;
    if (hash === cursor.hash) return { from: cursor.number + 1, reorg: false };
    const from = Math.max(options.startBlock, cursor.number - options.reorgDepth);
    metrics.reorgs.inc();
    logger.warn(
      { block: cursor.number, expected: cursor.hash, found: hash ?? null, rereadFrom: from },
      'reorg noticed',
    );
    return { from, reorg: true };
  };

  return {
    async poll(latest) {
      const head = latest ? Number(latest.number) : Number(await publicClient.getBlockNumber({ cacheTime: 0 }));
      const target = head - options.confirmations;
      // Nothing new: checking the cursor's hash again waits for the next block (a reorg that replaces blocks without
      // adding one is noticed then).
      if (target === cursor?.number) return;
      const start = await firstUnprocessed(cursor, latest);
      const seen = new Set<string>();
      let from = start.from;
      while (from <= target) {
        const to = Math.min(target, from + options.logBatchBlocks - 1);
        const fromBlock = BigInt(from);
        const toBlock = BigInt(to);
        const [pending, logs] = await Promise.all([
          publicClient.getContractEvents({
            address: market,
            abi: computeMarketAbi,
            eventName: 'TaskPending',
            fromBlock,
            toBlock,
            strict: true,
          }),
          publicClient.getContractEvents({
            address: market,
            abi: computeMarketAbi,
            eventName: 'TaskMatched',
            fromBlock,
            toBlock,
            strict: true,
          }),
        ]);
        for (const log of [...pending, ...logs]) seen.add(log.args.taskId);
        // Seats not drawn yet: an agent the draw will seat runs the task now and seats it with its commitment.
        await tasks.previewPending(
          pending.map((log) => {
            const { record, content } = decodeTaskPending(log.args.terms);
            return { taskId: log.args.taskId, record, content, matchedBlock: Number(log.blockNumber) };
          }),
          latest?.timestamp,
        );
        await tasks.assign(
          logs.map((log) => {
            const { record, appCid, inputCid } = decodeTaskMatched(log.args.terms);
            return { taskId: log.args.taskId, record, appCid, inputCid, matchedBlock: Number(log.blockNumber) };
          }),
          latest?.timestamp,
        );
        const hash =
          latest && Number(latest.number) === to
            ? latest.hash
            : (await publicClient.getBlock({ blockNumber: BigInt(to) })).hash;
        await moveCursor({ number: to, hash });
        metrics.processedBlock.set(to);
        from = to + 1;
      }
      if (start.reorg && start.from > target && target >= 0) {
        // The new chain is not even as long as the re-read range: continue from its confirmed head.
        const block = await publicClient.getBlock({ blockNumber: BigInt(target) });
        await moveCursor({ number: target, hash: block.hash });
      }
      if (start.reorg) await tasks.forgetUnseen(start.from, seen);
    },
  };
}
