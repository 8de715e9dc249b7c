// A warm pool of worker threads: runs are isolated from the caller's event loop, a run that exceeds the
// wall-clock limit is stopped by terminating its worker, and a fresh worker takes its place.
import { Worker } from 'node:worker_threads';
import { AgoraError, type AgoraErrorCode, errorCodes } from '@agora/errors';
import type { PreparedApp } from './app.js';
import type { RunRequest, RunResult } from './execute.js';
import type { WorkerRequest, WorkerResponse } from './worker.js';

export type RuntimePoolOptions = {
  /** Worker threads kept warm. */
  size?: number;
  /** Wall-clock limit of one run, in milliseconds. */
  timeoutMs?: number;
  /** Stack of each worker, in MiB: room for the call-depth limit with large frames. */
  stackSizeMb?: number;
};

export type RuntimePool = {
  run(app: PreparedApp, request: RunRequest): Promise<RunResult>;
  close(): Promise<void>;
};

type Job = {
  id: number;
  message: WorkerRequest;
  resolve: (result: RunResult) => void;
  reject: (error: unknown) => void;
};

type Slot = { worker: Worker; ready: Promise<void>; job?: Job; timer?: NodeJS.Timeout };

/**
 * Starts a pool of runtime workers.
 * @example
 * const pool = createRuntimePool({ size: 2 }); const result = await pool.run(app, { fuel: 10_000_000n })
 */
export function createRuntimePool(options: RuntimePoolOptions = {}): RuntimePool {
  const size = options.size ?? 2;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const stackSizeMb = options.stackSizeMb ?? 64;
  const queue: Job[] = [];
  const slots: Slot[] = [];
  let nextId = 1;
  let closed = false;

  const spawn = (): Slot => {
    const worker = new Worker(new URL('./worker-entry.js', import.meta.url), {
      resourceLimits: { stackSizeMb },
      stderr: false,
    });
    const slot: Slot = {
      worker,
      ready: new Promise((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
      }),
    };
    slot.ready.catch(() => undefined);
    worker.on('message', (message: WorkerResponse | { ready: true }) => {
      if ('ready' in message) return;
      const job = slot.job;
      if (!job || job.id !== message.id) return;
      finish(slot);
      if (message.ok) job.resolve(message.result);
      else
        job.reject(
          new AgoraError(
            (message.error.code as AgoraErrorCode | undefined) ?? errorCodes.RUNTIME_HOST_FAILURE,
            message.error.message,
          ),
        );
      pump();
    });
    worker.on('error', (error) =>
      replace(
        slot,
        new AgoraError(errorCodes.RUNTIME_HOST_FAILURE, `A runtime worker failed: ${error.message}`, { cause: error }),
      ),
    );
    worker.on('exit', (code) => {
      if (!closed && slots.includes(slot))
        replace(slot, new AgoraError(errorCodes.RUNTIME_HOST_FAILURE, `A runtime worker exited with code ${code}.`));
    });
    return slot;
  };

  const finish = (slot: Slot): void => {
    clearTimeout(slot.timer);
    delete slot.job;
    delete slot.timer;
  };

  // Drops a worker that failed or ran too long, fails its job, and starts another in its place.
  const replace = (slot: Slot, error: AgoraError): void => {
    const index = slots.indexOf(slot);
    if (index < 0) return;
    const job = slot.job;
    finish(slot);
    slots.splice(index, 1);
    void slot.worker.terminate();
    job?.reject(error);
    if (!closed) slots.push(spawn());
    pump();
  };

  const pump = (): void => {
    for (const slot of slots) {
      if (slot.job || queue.length === 0) continue;
      const job = queue.shift()!;
      slot.job = job;
      slot.ready.then(
        () => {
          if (slot.job !== job) return;
          slot.timer = setTimeout(
            () =>
              replace(
                slot,
                new AgoraError(
                  errorCodes.RUNTIME_TIMEOUT,
                  `The run exceeded the wall-clock limit of ${timeoutMs} ms and was stopped.`,
                  {
                    details:
                      'A timeout is not a deterministic outcome: a provider that hits it does not commit a result.',
                  },
                ),
              ),
            timeoutMs,
          );
          slot.worker.postMessage(job.message);
        },
        (error: unknown) =>
          replace(
            slot,
            new AgoraError(errorCodes.RUNTIME_HOST_FAILURE, 'A runtime worker failed to start.', { cause: error }),
          ),
      );
    }
  };

  for (let i = 0; i < size; i++) slots.push(spawn());

  return {
    run(app, request) {
      if (closed) return Promise.reject(new AgoraError(errorCodes.RUNTIME_HOST_FAILURE, 'The runtime pool is closed.'));
      return new Promise<RunResult>((resolve, reject) => {
        const id = nextId++;
        queue.push({ id, message: { id, app: { module: app.module, info: app.info }, request }, resolve, reject });
        pump();
      });
    },
    async close() {
      closed = true;
      const pending = [...queue.splice(0), ...slots.flatMap((slot) => (slot.job ? [slot.job] : []))];
      for (const job of pending)
        job.reject(new AgoraError(errorCodes.RUNTIME_HOST_FAILURE, 'The runtime pool closed before the run finished.'));
      await Promise.all(slots.splice(0).map((slot) => slot.worker.terminate()));
    },
  };
}
