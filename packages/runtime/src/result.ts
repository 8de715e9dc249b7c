// What a run means to the market: the hash a provider commits to, and the CID of the output.
import { cidOf } from '@agora/content';
import { type AgoraErrorCode, errorCodes } from '@agora/errors';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { RunOutcome, RunResult } from './execute.js';

/**
 * How a task ended: a run's outcome, or `rejected` when the app or its input was refused before running (a module
 * the runtime does not accept, an input document that does not decode). A refusal is as deterministic as a run:
 * every honest provider refuses the same bytes with the same code, so replicas agree on it and the client gets
 * back everything but the fees.
 */
export type TaskOutcome = RunOutcome | 'rejected';

const outcomeCodes: Record<TaskOutcome, number> = {
  exited: 0,
  trapped: 1,
  'out-of-fuel': 2,
  'call-depth-exceeded': 3,
  'output-limit': 4,
  rejected: 5,
};

/** Error codes that refuse a task deterministically (the same for every provider on this runtime version). */
export const refusalCodes: ReadonlySet<AgoraErrorCode> = new Set([
  errorCodes.WASM_NOT_WASM,
  errorCodes.WASM_MALFORMED,
  errorCodes.WASM_NO_START,
  errorCodes.WASM_IMPORT_NOT_ALLOWED,
  errorCodes.WASM_FEATURE_NOT_ALLOWED,
  errorCodes.WASM_FLOAT_NOT_ALLOWED,
  errorCodes.RUNTIME_LIMIT_EXCEEDED,
  errorCodes.TASK_INPUT_INVALID,
  errorCodes.CONTENT_INVALID_CID,
  errorCodes.CONTENT_TOO_LARGE,
]);

export type Hex = `0x${string}`;

export type DescribedResult = Omit<RunResult, 'outcome'> & {
  outcome: TaskOutcome;
  /** SHA-256 of stdout. */
  outputHash: Hex;
  /** CIDv1 of stdout, as `ipfs add --cid-version 1` would give. */
  outputCid: string;
  /**
   * What providers commit to on-chain:
   * keccak256("agora.result.v1" ‖ u8 outcome ‖ u8 has exit code ‖ u32 exit code ‖ SHA-256 of stdout).
   * Two runs agree exactly when they ended the same way with the same output.
   */
  resultHash: Hex;
};

export function resultHashOf(outcome: TaskOutcome, exitCode: number | null, outputHash: Uint8Array): Hex {
  const tag = new TextEncoder().encode('agora.result.v1');
  const packed = new Uint8Array(tag.length + 6 + 32);
  packed.set(tag);
  const view = new DataView(packed.buffer);
  view.setUint8(tag.length, outcomeCodes[outcome]);
  view.setUint8(tag.length + 1, exitCode === null ? 0 : 1);
  view.setUint32(tag.length + 2, exitCode ?? 0);
  packed.set(outputHash, tag.length + 6);
  return `0x${bytesToHex(keccak_256(packed))}`;
}

/** Adds the output's hash and CID and the result hash to a run. */
export async function describeResult(
  run: Omit<RunResult, 'outcome'> & { outcome: TaskOutcome },
): Promise<DescribedResult> {
  const digest = sha256(run.stdout);
  return {
    ...run,
    outputHash: `0x${bytesToHex(digest)}`,
    outputCid: (await cidOf(run.stdout)).toString(),
    resultHash: resultHashOf(run.outcome, run.exitCode, digest),
  };
}

/** The result of a task refused before it ran: the output is the refusal's error code, no fuel is used. */
export async function describeRefusal(code: AgoraErrorCode): Promise<DescribedResult> {
  return describeResult({
    outcome: 'rejected',
    exitCode: null,
    stdout: new TextEncoder().encode(code),
    stderr: new Uint8Array(),
    fuelUsed: 0n,
  });
}
