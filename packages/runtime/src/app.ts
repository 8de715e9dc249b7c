// Preparing an app once (validate, instrument, compile) so that every run of it starts in microseconds.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { defaultInstrumentOptions, type InstrumentOptions, instrumentModule, type ModuleInfo } from './instrument.js';

/** Everything that decides how an app runs besides its request; part of a result's provenance. */
export type RuntimePolicy = InstrumentOptions;

export const defaultRuntimePolicy: RuntimePolicy = defaultInstrumentOptions;

/** The version of the metering and host rules: two runtimes agree on fuel only if this matches. */
export const runtimeVersion = 'agora-runtime/1';

/**
 * The largest app module a provider fetches. Like every limit that decides a task's outcome, it belongs to the
 * runtime version and not to a provider's configuration: replicas must refuse exactly the same tasks.
 */
export const maxAppBytes = 32 * 1024 * 1024;

export type PreparedApp = {
  /** SHA-256 of the original module bytes, hex. */
  moduleHash: string;
  /** The instrumented, compiled module. */
  module: WebAssembly.Module;
  info: ModuleInfo;
  policy: RuntimePolicy;
};

/**
 * Validates, instruments and compiles a WASI command module.
 * @throws AgoraError with a WASM_* code when the module is not accepted, saying what is.
 * @example
 * const app = prepareApp(await readFile('primes.wasm'))
 */
export function prepareApp(bytes: Uint8Array, policy: Partial<RuntimePolicy> = {}): PreparedApp {
  const fullPolicy = { ...defaultRuntimePolicy, ...policy };
  const { bytes: instrumented, info } = instrumentModule(bytes, fullPolicy);
  return {
    moduleHash: bytesToHex(sha256(bytes)),
    module: new WebAssembly.Module(instrumented),
    info,
    policy: fullPolicy,
  };
}
