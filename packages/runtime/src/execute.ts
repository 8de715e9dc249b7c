// One run of a metered module in the current thread. Workers call this; so do benchmarks.
import { AgoraError, errorCodes } from '@agora/errors';
import type { PreparedApp } from './app.js';
import { memoryImport, meteringExports, meteringStatus } from './instrument.js';
import { acquireMemory, releaseMemory } from './memory-pool.js';
import { createWasiHost, HostOutOfFuel, OutputLimitExceeded, ProcessExit, type WasiHost } from './wasi.js';

/** How a run ended. Every outcome is deterministic: replicas agree on it. */
export type RunOutcome = 'exited' | 'trapped' | 'out-of-fuel' | 'call-depth-exceeded' | 'output-limit';

export type RunLimits = {
  /** Bytes of stdout beyond which the run stops with `output-limit`. */
  maxOutputBytes: number;
  /** Bytes of stderr kept; the rest of the log is dropped (it is never part of the result). */
  maxLogBytes: number;
  /** Bytes of input accepted. */
  maxInputBytes: number;
};

export const defaultRunLimits: RunLimits = {
  maxOutputBytes: 16 * 1024 * 1024,
  maxLogBytes: 64 * 1024,
  maxInputBytes: 64 * 1024 * 1024,
};

export type RunRequest = {
  /** Arguments after argv[0] (which is always "app"). */
  args?: readonly string[];
  /** The bytes the app reads from stdin. */
  input?: Uint8Array;
  /** Fuel units the run may spend. */
  fuel: bigint;
  /** 32 bytes seeding `random_get`; the task id. Zero bytes if absent. */
  seed?: Uint8Array;
  /** What the frozen clock reads, in nanoseconds since the epoch. */
  clockNs?: bigint;
  limits?: Partial<RunLimits>;
};

export type RunResult = {
  outcome: RunOutcome;
  /** The app's exit code when it exited (0 when `_start` returned), otherwise null. */
  exitCode: number | null;
  /** The engine's message when the app trapped. */
  trap?: string;
  stdout: Uint8Array;
  stderr: Uint8Array;
  fuelUsed: bigint;
};

export const appArgv0 = 'app';

/** A run set up to the point of calling `_start`: a fresh host, a pooled memory and a new instance. */
export type StartedRun = {
  host: WasiHost;
  memory: WebAssembly.Memory;
  /** The instance, or the engine's message when instantiation failed (a data or element segment that does not fit). */
  instance: WebAssembly.Instance | { failure: string };
  /** Hands the memory back to the pool; call once the run is over. */
  release(): void;
};

/** Sets a run up without starting it: what every task pays before its first instruction. */
export function startRun(app: Pick<PreparedApp, 'module' | 'info'>, request: RunRequest): StartedRun {
  const limits = { ...defaultRunLimits, ...request.limits };
  const input = request.input ?? new Uint8Array(0);
  if (input.length > limits.maxInputBytes) {
    throw new AgoraError(
      errorCodes.RUNTIME_LIMIT_EXCEEDED,
      `The input is ${input.length} bytes; the limit is ${limits.maxInputBytes} bytes.`,
    );
  }
  if (request.fuel <= 0n) throw new AgoraError(errorCodes.INVALID_ARGUMENT, 'Fuel must be a positive number of units.');
  const host = createWasiHost({
    args: [appArgv0, ...(request.args ?? [])],
    input,
    clockNs: request.clockNs ?? 0n,
    seed: request.seed ?? new Uint8Array(32),
    maxOutputBytes: limits.maxOutputBytes,
    maxLogBytes: limits.maxLogBytes,
  });
  const { initial, maximum } = app.info.memoryPages;
  const memory = acquireMemory(initial, maximum);
  const release = (): void => releaseMemory(memory, initial, maximum);
  try {
    const instance = new WebAssembly.Instance(app.module, {
      ...host.imports,
      [memoryImport.module]: { [memoryImport.name]: memory },
    });
    return { host, memory, instance, release };
  } catch (error) {
    // Decided by the module alone, so deterministic: reported as a trap.
    if (error instanceof WebAssembly.RuntimeError || error instanceof WebAssembly.LinkError) {
      return { host, memory, instance: { failure: error.message }, release };
    }
    release();
    throw error;
  }
}

/** Runs `_start` of a prepared app against the deterministic WASI host, in this thread. */
export function executeModule(app: Pick<PreparedApp, 'module' | 'info'>, request: RunRequest): RunResult {
  const started = startRun(app, request);
  try {
    return finishRun(started, request.fuel);
  } finally {
    started.release();
  }
}

function finishRun({ host, memory, instance }: StartedRun, fuelLimit: bigint): RunResult {
  if ('failure' in instance) {
    return {
      outcome: 'trapped',
      exitCode: null,
      trap: instance.failure,
      stdout: new Uint8Array(0),
      stderr: new Uint8Array(0),
      fuelUsed: 0n,
    };
  }
  const exports = instance.exports as Record<string, unknown>;
  const fuel = exports[meteringExports.fuel] as WebAssembly.Global;
  const status = exports[meteringExports.status] as WebAssembly.Global;
  host.bind(memory, fuel);
  fuel.value = fuelLimit;

  let outcome: RunOutcome = 'exited';
  let exitCode: number | null = 0;
  let trap: string | undefined;
  try {
    (exports._start as () => void)();
  } catch (error) {
    exitCode = null;
    if (error instanceof ProcessExit) {
      exitCode = error.code;
    } else if (error instanceof HostOutOfFuel) {
      outcome = 'out-of-fuel';
    } else if (error instanceof OutputLimitExceeded) {
      outcome = 'output-limit';
    } else if (error instanceof WebAssembly.RuntimeError) {
      const reason = status.value as number;
      outcome =
        reason === meteringStatus.outOfFuel
          ? 'out-of-fuel'
          : reason === meteringStatus.callDepthExceeded
            ? 'call-depth-exceeded'
            : 'trapped';
      if (outcome === 'trapped') trap = error.message;
    } else if (error instanceof RangeError) {
      // The engine's own stack limit depends on the machine and the compiler tier: not an outcome replicas could agree on.
      throw new AgoraError(
        errorCodes.RUNTIME_HOST_FAILURE,
        `The engine ran out of stack before the call-depth limit: ${error.message}`,
        {
          cause: error,
          details: 'Lower maxCallDepth or give the executor a larger stack.',
        },
      );
    } else {
      throw error;
    }
  }

  const left = fuel.value as bigint;
  const fuelUsed = outcome === 'out-of-fuel' || left < 0n ? fuelLimit : fuelLimit - left;
  const result: RunResult = { outcome, exitCode, stdout: host.stdout(), stderr: host.stderr(), fuelUsed };
  if (trap !== undefined) result.trap = trap;
  return result;
}
