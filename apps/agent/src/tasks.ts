// The life of each assigned task, driven step by step from durable state and the chain: run it, make the result
// and salt durable, commit (or submit, with one replica), reveal, settle. Every step first asks the chain where
// the task stands, so a restart at any point continues from there: a commit that landed just before a crash is
// recognised by its revert, and the salt needed to reveal it was on disk before it was sent.
import { randomBytes } from 'node:crypto';
import { AgoraError, errorCodes } from '@agora/errors';
import {
  type Task,
  commitmentOf,
  computeMarketAbi,
  decodeSettlement,
  decodeTaskMatched,
  decodeTaskRecord,
  isVerifiedByModule,
  replicatedVerifierAbi,
  taskStatus,
} from '@agora/sdk';
import { type Address, type Hex, bytesToHex, concat, getAddress, isAddressEqual, parseEventLogs, zeroHash } from 'viem';
import { type AgentState, type TrackedTask, historyKey } from './agent-state.js';
import { type AgentChain, revertName } from './chain.js';
import type { Logger } from '@agora/service';
import type { AgentMetrics } from './metrics.js';
import type { TaskRun, TaskRunResult, TaskRunner } from './run-task.js';
import type { DurableLog } from './log.js';
import type { DurableState } from './state.js';

export type TaskManager = {
  /**
   * Records the assignments of this provider among those seen in `TaskMatched` events, in one durable write
   * (idempotent; a different record for the same id replaces it). Given the chain time `now`, new assignments start
   * running at once instead of at the next `advanceAll`.
   */
  assign(
    assignments: readonly Pick<TrackedTask, 'taskId' | 'record' | 'appCid' | 'inputCid' | 'matchedBlock' | 'pending'>[],
    now?: bigint,
  ): Promise<void>;
  /**
   * For tasks seen in `TaskPending` events (seats not drawn yet): simulates the draw and assigns those that seat this
   * provider, with the record the draw will make, so they run before anyone has seated them.
   */
  previewPending(
    pending: readonly { taskId: Hex; record: Hex; content: Hex; matchedBlock: number }[],
    now?: bigint,
  ): Promise<void>;
  /**
   * After blocks from `fromBlock` on were read again (a reorg), drops the open tasks matched in them that the new
   * chain does not hold (`seen` has the ids it does); a task matched again later is assigned again when seen.
   */
  forgetUnseen(fromBlock: number, seen: ReadonlySet<string>): Promise<void>;
  /** Advances every open task as far as the chain allows at chain time `now`. */
  advanceAll(now: bigint): Promise<void>;
  /** Waits for runs and steps in flight. */
  drain(): Promise<void>;
};

/** A run's result as the agent records it. */
const resultRecord = (result: TaskRunResult): NonNullable<TrackedTask['result']> => ({
  outcome: result.outcome,
  exitCode: result.exitCode,
  fuelUsed: result.fuelUsed.toString(),
  resultHash: result.resultHash,
  outputCid: result.outputCid,
  outputBytes: result.stdout.length,
  moduleHash: result.moduleHash,
});

/** Runs that failed for a reason of this machine are retried this many times before the task is abandoned. */
const maxRunAttempts = 3;

export function createTaskManager(options: {
  chain: AgentChain;
  market: Address;
  /** The verifier of replicated tasks with several replicas: commits, reveals and their settlement go there. */
  verifier: Address;
  state: DurableState<AgentState>;
  /** Where settled tasks go. */
  history: DurableLog<TrackedTask>;
  runner: TaskRunner;
  logger: Logger;
  metrics: AgentMetrics;
  /** The market's commit window, to place a task's match in time from its commit deadline. */
  commitWindowSeconds: bigint;
  /** Called after a task settled with this provider paid. */
  onPaid?: () => void;
  /** Tells the other providers of a task that something of theirs to act on landed (this agent's commit). */
  wakePeers?: (providers: readonly Address[]) => void;
}): TaskManager {
  const { chain, market, verifier, state, history, runner, logger, metrics } = options;
  const provider = chain.account;
  const running = new Map<string, Promise<void>>();
  const stepping = new Map<string, Promise<void>>();
  const attempts = new Map<string, number>();
  /** When a task whose content no source had may be fetched again (ms since the epoch); doubles up to a minute. */
  const fetchBackoff = new Map<string, { at: number; delayMs: number }>();
  let draining = false;

  const update = (taskId: Hex, change: (task: TrackedTask) => void) =>
    state.update((draft) => {
      const task = draft.tasks[taskId];
      if (!task) return;
      change(task);
      task.updatedAt = Date.now();
    });

  const abandon = async (task: TrackedTask, reason: string): Promise<void> => {
    logger.warn({ taskId: task.taskId, reason }, 'task abandoned');
    await update(task.taskId, (t) => {
      t.phase = 'abandoned';
      t.note = reason;
    });
  };

  /** The filter for one task's events at `address`, from its match on. */
  const eventsOf = <const abi>(task: TrackedTask, address: Address, abi: abi) =>
    ({
      address,
      abi,
      args: { taskId: task.taskId },
      fromBlock: BigInt(task.matchedBlock),
      toBlock: 'latest',
      strict: true,
    }) as const;
  /** Its settlement, at the market. */
  const ofTask = (task: TrackedTask) => eventsOf(task, market, computeMarketAbi);
  /** Its commits and reveals, at the replicated verifier. */
  const ofReplicas = (task: TrackedTask) => eventsOf(task, verifier, replicatedVerifierAbi);

  /** Records how a task ended; `known` is its `TaskSettled` event when the caller holds it already. */
  const settle = async (
    task: TrackedTask,
    terms: Task,
    status: number,
    known?: { event: { args: { resultHash: Hex; settlement: bigint } }; record: Partial<TrackedTask> },
  ) => {
    const [settled] = known
      ? [known.event]
      : await chain.publicClient.getContractEvents({ ...ofTask(task), eventName: 'TaskSettled' });
    const outcome = settled && decodeSettlement(settled.args.settlement);
    const bit = 1n << BigInt(task.index);
    const paid = outcome ? (outcome.paidMask & bit) !== 0n : false;
    const slashed = outcome ? (outcome.slashedMask & bit) !== 0n : false;
    const payment = paid && outcome ? outcome.fuelUsed * terms.pricePerFuel : 0n;
    const settlement = {
      status: status === taskStatus.finalized ? 'finalized' : status === taskStatus.failed ? 'failed' : 'retired',
      paid,
      slashed,
      payment: payment.toString(),
      resultHash: settled?.args.resultHash ?? zeroHash,
    } as const;
    const current = state.read().tasks[task.taskId];
    if (!current) return;
    // Into the history first: a crash between the two settles the task again on restart, and the log keeps one
    // record per task.
    await history.append({ ...current, ...known?.record, phase: 'settled', settlement, updatedAt: Date.now() });
    await state.update((draft) => {
      delete draft.tasks[task.taskId];
    });
    attempts.delete(task.taskId);
    fetchBackoff.delete(task.taskId);
    metrics.settlements.inc({ result: paid ? 'paid' : slashed ? 'slashed' : 'neither' });
    if (payment > 0n) metrics.earnings.inc(Number(payment));
    logger.info({ taskId: task.taskId, ...settlement }, 'task settled');
    if (paid) options.onPaid?.();
  };

  /**
   * Runs the task; `recorded` is the write of its assignment, which every later change of the task's record waits
   * for. A single replica's result may reach the chain before that write lands: a restart then finds the match again
   * (the watcher's cursor moves only past written assignments), runs the task again and learns it settled.
   */
  const execute = (task: TrackedTask, terms: Task, now: bigint, recorded?: Promise<void>) => {
    const started = performance.now();
    const work = (async () => {
      let run: TaskRun;
      try {
        logger.info({ taskId: task.taskId, maxFuel: terms.maxFuel }, 'task executing');
        run = await runner.run({ taskId: task.taskId, task: terms, appCid: task.appCid, inputCid: task.inputCid });
      } catch (error) {
        if (error instanceof AgoraError && error.code === errorCodes.CONTENT_NOT_FOUND) {
          // Nobody may have the content. Committing "not found" late in the window beats not committing at all:
          // a no-show is slashed for sure, a dissenter only if a quorum did find it.
          const matchedAt = terms.commitDeadline - options.commitWindowSeconds;
          const giveUpAt = matchedAt + (terms.commitDeadline - matchedAt) / 2n;
          if (now < giveUpAt) {
            const delayMs = Math.min(60_000, (fetchBackoff.get(task.taskId)?.delayMs ?? 500) * 2);
            fetchBackoff.set(task.taskId, { at: Date.now() + delayMs, delayMs });
            await update(task.taskId, (t) => (t.note = error.message));
            return;
          }
          run = await runner.refuse(errorCodes.CONTENT_NOT_FOUND);
        } else if (error instanceof AgoraError && error.code === errorCodes.RUNTIME_TIMEOUT) {
          metrics.runs.inc({ outcome: 'error' });
          await abandon(task, `the run hit this agent's wall-clock limit: ${error.message}`);
          return;
        } else {
          const attempt = (attempts.get(task.taskId) ?? 0) + 1;
          attempts.set(task.taskId, attempt);
          metrics.runs.inc({ outcome: 'error' });
          metrics.errors.inc({ where: 'task' });
          logger.error({ taskId: task.taskId, err: error, attempt }, 'task run failed');
          if (attempt >= maxRunAttempts) await abandon(task, `the run failed ${attempt} times: ${String(error)}`);
          return;
        }
      }
      const { result, kept } = run;
      metrics.runs.inc({ outcome: result.outcome });
      metrics.fuel.inc(Number(result.fuelUsed));
      metrics.runSeconds.observe((performance.now() - started) / 1000);
      if (terms.providers.length === 1 && (await submitAtOnce(task, terms, result, { recorded, kept }))) return;
      // A commit binds the provider to the result, so the output is kept before the salt that leads to one is written.
      await kept;
      const salt = bytesToHex(randomBytes(32));
      // Durable before anything reaches the chain: a restart reveals with exactly this result and salt. Updates land
      // in order, so this one also waits for the assignment's.
      await update(task.taskId, (t) => {
        // A result and salt, once durable, are final: a commit may already carry them.
        if (t.phase !== 'assigned' || t.salt !== undefined) return;
        t.phase = 'executed';
        t.salt = salt;
        t.note = undefined;
        t.result = resultRecord(result);
      });
      await recorded;
      logger.info(
        {
          taskId: task.taskId,
          outcome: result.outcome,
          exitCode: result.exitCode,
          fuelUsed: result.fuelUsed,
          resultHash: result.resultHash,
          outputCid: result.outputCid,
        },
        'task executed',
      );
    })();
    const tracked = work
      .catch((error: unknown) => {
        metrics.errors.inc({ where: 'task' });
        logger.error({ taskId: task.taskId, err: error }, 'task run could not be recorded');
      })
      .finally(() => running.delete(task.taskId));
    running.set(task.taskId, tracked);
    // The commit follows at once instead of on the next poll; chain time is what it was at the start of the run (the
    // commit's own estimate sees the chain as it is).
    void tracked.then(() => step(task.taskId, now));
  };

  /**
   * With one replica there is no commitment, so no salt to keep: the result goes out as soon as it exists (before the
   * assignment is written, if that is still landing), and the task settles in that same transaction. A restart before
   * the settlement is recorded finds the task `assigned` (or its match again), runs it again, and learns from the chain
   * (the submit reverts; the durable path reads the status) that it settled. Returns false when the submit did not go
   * through, leaving the task to that durable path.
   */
  const submitAtOnce = async (
    task: TrackedTask,
    terms: Task,
    result: TaskRunResult,
    { recorded, kept }: { recorded?: Promise<void> | undefined; kept: Promise<void> },
  ): Promise<boolean> => {
    // The client fetches the output the moment the task settles, asking this agent which CID holds it: the output
    // and that answer are durable before the result that settles the task goes out. The write lands after the
    // assignment's (updates land in order), so it also finds the task there.
    const described = update(task.taskId, (t) => {
      t.result ??= resultRecord(result);
    });
    let receipt: Awaited<ReturnType<AgentChain['write']>>;
    try {
      receipt = await chain.write(
        {
          address: market,
          abi: computeMarketAbi,
          functionName: 'submitResult',
          args: [task.record, result.resultHash, result.fuelUsed],
        },
        { after: Promise.all([kept, described]) },
      );
    } catch (error) {
      logger.debug({ taskId: task.taskId, err: error }, 'result not submitted at once; recording it first');
      return false;
    }
    logger.info({ taskId: task.taskId, tx: receipt.transactionHash }, 'result submitted');
    // What follows changes the task's record, so it waits for the assignment to be written.
    await recorded;
    const [settled] = parseEventLogs({ abi: computeMarketAbi, logs: receipt.logs, eventName: 'TaskSettled' });
    const transactions = { ...task.transactions, submit: receipt.transactionHash };
    if (settled) {
      await settle(task, terms, taskStatus.finalized, {
        event: settled,
        record: { result: resultRecord(result), transactions },
      });
    } else {
      await update(task.taskId, (t) => {
        t.phase = 'revealed';
        t.result = resultRecord(result);
        t.transactions = transactions;
      });
    }
    return true;
  };

  /** What a write's revert means for this task, or rethrows when it means nothing expected. */
  const onWriteError = async (
    task: TrackedTask,
    error: unknown,
    expected: Record<string, () => Promise<void> | undefined>,
  ) => {
    const name = revertName(error);
    const handler = name === undefined ? undefined : expected[name];
    if (handler) return handler();
    await update(task.taskId, (t) => (t.note = error instanceof Error ? error.message : String(error)));
    throw error;
  };

  const commit = async (task: TrackedTask, terms: Task) => {
    const result = task.result;
    if (!result || !task.salt) throw new Error(`task ${task.taskId} is executed but has no result`);
    const fuelUsed = BigInt(result.fuelUsed);
    if (terms.providers.length === 1) {
      try {
        const receipt = await chain.write({
          address: market,
          abi: computeMarketAbi,
          functionName: 'submitResult',
          args: [task.record, result.resultHash, fuelUsed],
        });
        await update(task.taskId, (t) => {
          t.phase = 'revealed';
          t.transactions.submit = receipt.transactionHash;
        });
        logger.info({ taskId: task.taskId, tx: receipt.transactionHash }, 'result submitted');
      } catch (error) {
        await onWriteError(task, error, {
          ComputeCommitClosed: () => abandon(task, 'the result was ready after the commit deadline'),
        });
      }
      return;
    }
    const commitment = commitmentOf({
      taskId: task.taskId,
      provider,
      resultHash: result.resultHash,
      fuelUsed,
      salt: task.salt,
    });
    const committed = async (hash?: Hex) =>
      update(task.taskId, (t) => {
        t.phase = 'committed';
        delete t.pending;
        if (hash) t.transactions.commit = hash;
      });
    // Seated by nobody yet as far as this agent knows: it seats the task with its commitment, unless someone did.
    if (task.pending && (await seatAndCommit(task, terms, commitment, committed))) return;
    // The last to commit reveals at once: the others are bound by their commitments, so its result cannot help
    // them, and the task saves a transaction.
    const others = (await committers(task)).filter((address) => !isAddressEqual(address, provider));
    if (others.length === terms.providers.length - 1 && (await revealLast(task))) return;
    try {
      const receipt = await chain.write({
        address: verifier,
        abi: replicatedVerifierAbi,
        functionName: 'commit',
        args: [task.record, BigInt(task.index), commitment],
      });
      options.wakePeers?.(terms.providers);
      await committed(receipt.transactionHash);
      logger.info({ taskId: task.taskId, tx: receipt.transactionHash }, 'result committed');
    } catch (error) {
      await onWriteError(task, error, {
        // The commit landed before a restart: the salt on disk is the one it used.
        ComputeAlreadyCommitted: async () => {
          await committed();
          logger.info({ taskId: task.taskId }, 'result committed before a restart');
        },
        ComputeCommitClosed: () => abandon(task, 'the result was ready after the commit deadline'),
      });
    }
  };

  /**
   * Seats a pending task with this provider's commitment. False (nothing sent) once someone else seated it: the
   * plain commit follows.
   */
  const seatAndCommit = async (
    task: TrackedTask,
    terms: Task,
    commitment: Hex,
    committed: (hash?: Hex) => Promise<void>,
  ): Promise<boolean> => {
    const pending = task.pending!;
    try {
      const receipt = await chain.write({
        address: verifier,
        abi: replicatedVerifierAbi,
        functionName: 'seatAndCommit',
        args: [pending.record, pending.content, BigInt(task.index), commitment],
      });
      options.wakePeers?.(terms.providers);
      await committed(receipt.transactionHash);
      logger.info({ taskId: task.taskId, tx: receipt.transactionHash }, 'result committed');
      return true;
    } catch (error) {
      let seatedByOthers = false;
      const seated = async () => {
        seatedByOthers = true;
        await update(task.taskId, (t) => delete t.pending);
      };
      await onWriteError(task, error, {
        // The pending record is not the task's any more: someone seated it (this agent, before a restart, too).
        ComputeRecordMismatch: seated,
        ComputeAlreadySeated: seated,
        ComputeCommitClosed: () => abandon(task, 'the result was ready after the commit deadline'),
      });
      return !seatedByOthers;
    }
  };

  /** The task's providers that have committed, including any that revealed as the last to commit. */
  const committers = async (task: TrackedTask) => {
    const [commits, reveals] = await Promise.all([
      chain.publicClient.getContractEvents({ ...ofReplicas(task), eventName: 'ResultCommitted' }),
      chain.publicClient.getContractEvents({ ...ofReplicas(task), eventName: 'ResultRevealed' }),
    ]);
    const addresses = [...commits, ...reveals].map((event) => getAddress(event.args.provider));
    return [...new Set(addresses)];
  };

  /** Reveals without a commitment; false (nothing sent) when another provider turns out not to have committed. */
  const revealLast = async (task: TrackedTask): Promise<boolean> => {
    const result = task.result!;
    const revealed = async (hash?: Hex) =>
      update(task.taskId, (t) => {
        t.phase = 'revealed';
        if (hash) t.transactions.reveal = hash;
      });
    try {
      const receipt = await chain.write({
        address: verifier,
        abi: replicatedVerifierAbi,
        functionName: 'revealLast',
        args: [task.record, BigInt(task.index), result.resultHash, BigInt(result.fuelUsed)],
      });
      await revealed(receipt.transactionHash);
      logger.info({ taskId: task.taskId, tx: receipt.transactionHash }, 'result revealed as the last to commit');
      return true;
    } catch (error) {
      let sent = true;
      await onWriteError(task, error, {
        ComputeNotLastToCommit: () => {
          sent = false;
          return undefined;
        },
        // This reveal, or a plain commit, landed before a restart (the salt on disk is the one a commit used).
        ComputeAlreadyCommitted: async () => {
          const reveals = await chain.publicClient.getContractEvents({
            ...ofReplicas(task),
            eventName: 'ResultRevealed',
          });
          if (reveals.some((event) => isAddressEqual(event.args.provider, provider))) await revealed();
          else await update(task.taskId, (t) => (t.phase = 'committed'));
        },
        ComputeCommitClosed: () => abandon(task, 'the result was ready after the commit deadline'),
      });
      return sent;
    }
  };

  const reveal = async (task: TrackedTask, terms: Task, now: bigint) => {
    const result = task.result;
    if (!result || !task.salt) throw new Error(`task ${task.taskId} is committed but has no result`);
    if (now <= terms.commitDeadline && (await committers(task)).length < terms.providers.length) return;
    try {
      const receipt = await chain.write({
        address: verifier,
        abi: replicatedVerifierAbi,
        functionName: 'reveal',
        args: [task.record, BigInt(task.index), result.resultHash, BigInt(result.fuelUsed), task.salt],
      });
      await update(task.taskId, (t) => {
        t.phase = 'revealed';
        t.transactions.reveal = receipt.transactionHash;
      });
      logger.info({ taskId: task.taskId, tx: receipt.transactionHash }, 'result revealed');
    } catch (error) {
      await onWriteError(task, error, {
        ComputeRevealNotOpen: () => undefined,
        ComputeRevealClosed: () => abandon(task, 'the reveal window closed before the reveal'),
      });
    }
  };

  /** Settles a task whose windows allow it; anyone may, and the agent does so for its own tasks. */
  const finalize = async (task: TrackedTask, terms: Task, now: bigint) => {
    const reveals = await chain.publicClient.getContractEvents({ ...ofReplicas(task), eventName: 'ResultRevealed' });
    const commitsDone = now > terms.commitDeadline;
    if (!commitsDone && reveals.length < terms.providers.length) return;
    const votes = new Map<Hex, number>();
    for (const reveal of reveals) votes.set(reveal.args.resultHash, (votes.get(reveal.args.resultHash) ?? 0) + 1);
    const agreed = [...votes].find(([, count]) => count >= terms.quorum)?.[0] ?? zeroHash;
    try {
      const args = [task.record, agreed] as const;
      const receipt = isVerifiedByModule(task.record)
        ? await chain.write({ address: verifier, abi: replicatedVerifierAbi, functionName: 'finalize', args })
        : await chain.write({ address: market, abi: computeMarketAbi, functionName: 'finalize', args });
      await update(task.taskId, (t) => (t.transactions.finalize = receipt.transactionHash));
      logger.info({ taskId: task.taskId, tx: receipt.transactionHash, resultHash: agreed }, 'task finalized');
    } catch (error) {
      await onWriteError(task, error, {
        ComputeTooEarly: () => undefined,
        ComputeTaskNotOpen: () => undefined,
      });
    }
  };

  const advance = async (taskId: Hex, now: bigint) => {
    let task = state.read().tasks[taskId];
    // A run in flight takes the task's next step itself when it ends.
    if (!task || running.has(taskId)) return;
    const terms = decodeTaskRecord(task.record);
    // Running a task asks nothing of the chain, and a task settled meanwhile is noticed at the next step, which
    // reads its status before anything is sent: a fresh assignment starts at once.
    if (task.phase === 'assigned' && (fetchBackoff.get(taskId)?.at ?? 0) <= Date.now()) {
      if (now > terms.commitDeadline) return abandon(task, 'the commit window closed before the task ran');
      return execute(task, terms, now);
    }
    const status = await chain.publicClient.readContract({
      address: market,
      abi: computeMarketAbi,
      functionName: 'taskStatus',
      args: [terms.client, terms.nonce],
    });
    if (status === taskStatus.none) {
      // Not on the chain the node now follows (a reorg took it): wait, the watcher re-reads the blocks.
      return;
    }
    if (status !== taskStatus.matched) {
      await settle(task, terms, status);
      return;
    }
    // Read the phase again: a run that ended while the status was read has moved it on, and acting on the stale
    // phase would run the task twice and overwrite the salt a commit already used.
    const fresh = state.read().tasks[taskId];
    if (!fresh) return;
    task = fresh;
    switch (task.phase) {
      case 'assigned':
        if ((fetchBackoff.get(taskId)?.at ?? 0) > Date.now()) return;
        if (now > terms.commitDeadline) return abandon(task, 'the commit window closed before the task ran');
        return execute(task, terms, now);
      case 'executed':
        return commit(task, terms);
      case 'committed':
        return reveal(task, terms, now);
      case 'revealed':
      case 'abandoned':
        return finalize(task, terms, now);
      case 'settled':
        return;
    }
  };

  const now = async () => (await chain.publicClient.getBlock({ blockTag: 'latest' })).timestamp;

  /** Advances one task unless a step of it is already under way. */
  const step = (taskId: Hex, at?: bigint): Promise<void> => {
    const current = stepping.get(taskId);
    if (current) return current;
    if (draining) return Promise.resolve();
    const next = (async () => advance(taskId, at ?? (await now())))()
      .catch((error: unknown) => {
        metrics.errors.inc({ where: 'task' });
        logger.error({ taskId, err: error }, 'task step failed; retrying on the next poll');
      })
      .finally(() => stepping.delete(taskId));
    stepping.set(taskId, next);
    return next;
  };

  return {
    async assign(assignments, now) {
      const known = state.read().tasks;
      const fresh: { task: TrackedTask; terms: Task }[] = [];
      const seatedSince: Hex[] = [];
      for (const assignment of assignments) {
        const terms = decodeTaskRecord(assignment.record);
        const index = terms.providers.findIndex((p) => p.toLowerCase() === provider.toLowerCase());
        const same = known[assignment.taskId];
        if (same?.record === assignment.record && same.pending && !assignment.pending) {
          seatedSince.push(assignment.taskId);
        }
        if (index < 0 || same?.record === assignment.record) continue;
        if (history.has(historyKey(assignment))) continue;
        // New, or matched again with other terms after a reorg: whatever was computed for the old terms is void.
        fresh.push({
          task: { ...assignment, index, phase: 'assigned', transactions: {}, updatedAt: Date.now() },
          terms,
        });
      }
      if (seatedSince.length > 0) {
        // Seated as this agent foresaw: it commits like any other seat now.
        await state.update((draft) => {
          for (const taskId of seatedSince) if (draft.tasks[taskId]) delete draft.tasks[taskId].pending;
        });
      }
      if (fresh.length === 0) return;
      // One write for everything the range held. The runs start meanwhile: a run needs nothing on disk, and what it
      // records later is written after this.
      const written = state.update((draft) => {
        for (const { task } of fresh) draft.tasks[task.taskId] = task;
      });
      for (const { task, terms } of fresh) {
        metrics.assignments.inc();
        logger.info(
          { taskId: task.taskId, index: task.index, replicas: terms.providers.length, block: task.matchedBlock },
          'task assigned',
        );
        // Without the chain's time (or too late to run), the next `advanceAll` decides.
        if (now !== undefined && now <= terms.commitDeadline && !running.has(task.taskId)) {
          execute(task, terms, now, written);
        }
      }
      await written;
    },
    async previewPending(pending, now) {
      const known = state.read().tasks;
      const drawn: Parameters<TaskManager['assign']>[0][number][] = [];
      for (const task of pending) {
        if (known[task.taskId]) continue;
        // In the pending block, where a seat would land: the draw reads the hash of the match's block.
        const seated = await chain.publicClient
          .simulateContract({
            address: market,
            abi: computeMarketAbi,
            functionName: 'seat',
            args: [task.record, task.content],
            account: provider,
            blockTag: 'pending',
          })
          .then(({ result }) => result)
          .catch((error: unknown) => {
            // Seated already (its TaskMatched follows), too few members, or the draw's block out of reach.
            logger.debug({ taskId: task.taskId, reason: revertName(error) ?? String(error) }, 'no seat preview');
            return undefined;
          });
        if (!seated) continue;
        const { appCid, inputCid } = decodeTaskMatched(concat([task.content, seated]));
        drawn.push({
          taskId: task.taskId,
          record: seated,
          appCid,
          inputCid,
          matchedBlock: task.matchedBlock,
          pending: { record: task.record, content: task.content },
        });
      }
      if (drawn.length > 0) await this.assign(drawn, now);
    },
    async forgetUnseen(fromBlock, seen) {
      const gone: string[] = [];
      await state.update((draft) => {
        for (const task of Object.values(draft.tasks)) {
          if (task.matchedBlock >= fromBlock && !seen.has(task.taskId)) {
            delete draft.tasks[task.taskId];
            gone.push(task.taskId);
          }
        }
      });
      for (const taskId of gone) logger.warn({ taskId }, 'task dropped: a reorg removed its match');
    },
    async advanceAll(at) {
      const open = Object.keys(state.read().tasks) as Hex[];
      metrics.activeTasks.set(open.length);
      if (open.length === 0 || draining) return;
      await Promise.all(open.map((taskId) => step(taskId, at)));
    },
    async drain() {
      draining = true;
      await Promise.allSettled([...running.values()]);
      await Promise.allSettled([...stepping.values()]);
    },
  };
}
