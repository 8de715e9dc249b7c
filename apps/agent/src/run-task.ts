// Turning an assignment into a result: fetch the app and the input by CID (the local store first, then the
// configured sources, every byte checked against its CID), decode the input document, run it in the warm pool.
// A refusal every honest provider would make too (a module the runtime does not accept, an input that does not
// decode) becomes the task's result; anything that depends on this machine (a timeout, a crashed worker) is thrown
// and never committed.
import { type CID, type ContentStore, cidFromBytes, fetchContent } from '@agora/content';
import { AgoraError, type AgoraErrorCode, errorCodes } from '@agora/errors';
import {
  type DescribedResult,
  type PreparedApp,
  type RuntimePool,
  defaultRunLimits,
  describeRefusal,
  describeResult,
  maxAppBytes,
  prepareApp,
  refusalCodes,
} from '@agora/runtime';
import { type Task, decodeTaskInput, taskInputLimits } from '@agora/sdk';
import { type Hex, hexToBytes } from 'viem';

/** The largest input document: the runtime's stdin limit plus the arguments and their framing. */
export const maxInputDocumentBytes =
  defaultRunLimits.maxInputBytes + taskInputLimits.maxArgBytes + 6 + 4 * taskInputLimits.maxArgs;

export type TaskRunResult = DescribedResult & { moduleHash?: string };

/**
 * A result, and the write that keeps its output in the store (so the agent can serve it by its CID): nothing that
 * names the output to anyone else goes out before `kept` resolves.
 */
export type TaskRun = { result: TaskRunResult; kept: Promise<void> };

export type TaskRunner = {
  run(assignment: { taskId: Hex; task: Task; appCid: Hex; inputCid: Hex }): Promise<TaskRun>;
  /** The result of refusing a task with `code`, its output kept like any other. */
  refuse(code: AgoraErrorCode): Promise<TaskRun>;
};

export function createTaskRunner(options: {
  store: ContentStore;
  pool: RuntimePool;
  sources: readonly string[];
  /** Apps kept compiled, by CID. */
  appCacheSize?: number;
  fetchTimeoutMs?: number;
  /** Told when a fetched app or input could not be kept in the store (the run goes on without the copy). */
  onKeepFailed?: (cid: CID, error: unknown) => void;
}): TaskRunner {
  const apps = new Map<string, PreparedApp>();
  const appCacheSize = options.appCacheSize ?? 32;

  const load = async (cid: CID, maxBytes: number): Promise<Uint8Array> => {
    try {
      return await options.store.get(cid, { maxBytes });
    } catch (error) {
      if (!(error instanceof AgoraError) || error.code !== errorCodes.CONTENT_NOT_FOUND) throw error;
    }
    const bytes = await fetchContent(cid, {
      sources: options.sources,
      maxBytes,
      timeoutMs: options.fetchTimeoutMs ?? 30_000,
    });
    // Kept, so this agent serves it to the other replicas and to later tasks; the run does not wait for the copy (the
    // bytes were checked against their CID as they arrived).
    options.store.put(bytes).catch((error: unknown) => options.onKeepFailed?.(cid, error));
    return bytes;
  };

  const prepared = async (appCid: CID): Promise<PreparedApp> => {
    const key = appCid.toString();
    const cached = apps.get(key);
    if (cached) {
      apps.delete(key);
      apps.set(key, cached);
      return cached;
    }
    const app = prepareApp(await load(appCid, maxAppBytes));
    apps.set(key, app);
    if (apps.size > appCacheSize) apps.delete(apps.keys().next().value as string);
    return app;
  };

  /** Keeps the output, so the agent serves it to the client (and anyone checking) by its CID. */
  const keep = (result: TaskRunResult): TaskRun => {
    const kept = options.store.put(result.stdout).then(() => undefined);
    // Awaited by whoever reports the result; a failure is theirs to see, not an unhandled rejection.
    kept.catch(() => undefined);
    return { result, kept };
  };

  return {
    refuse: async (code) => keep(await describeRefusal(code)),
    async run({ taskId, task, appCid, inputCid }) {
      let app: PreparedApp;
      let input: ReturnType<typeof decodeTaskInput>;
      try {
        const appId = cidFromBytes(hexToBytes(appCid));
        const inputId = cidFromBytes(hexToBytes(inputCid));
        app = await prepared(appId);
        input = decodeTaskInput(await load(inputId, maxInputDocumentBytes));
      } catch (error) {
        if (error instanceof AgoraError && refusalCodes.has(error.code)) return keep(await describeRefusal(error.code));
        throw error;
      }
      const run = await options.pool.run(app, {
        fuel: task.maxFuel,
        args: input.args,
        input: input.stdin,
        seed: hexToBytes(taskId),
        // The clock reads the task's commit deadline: the same for every replica, fixed at the match.
        clockNs: task.commitDeadline * 1_000_000_000n,
      });
      return keep({ ...(await describeResult(run)), moduleHash: app.moduleHash });
    },
  };
}
