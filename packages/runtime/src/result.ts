// What a run means to the market: the hash a provider commits to, and the CID of the output.
import { cidOf } from '@agora/content';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { RunOutcome, RunResult } from './execute.js';

const outcomeCodes: Record<RunOutcome, number> = {
  exited: 0,
  trapped: 1,
  'out-of-fuel': 2,
  'call-depth-exceeded': 3,
  'output-limit': 4,
};

export type Hex = `0x${string}`;

export type DescribedResult = RunResult & {
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

export function resultHashOf(outcome: RunOutcome, exitCode: number | null, outputHash: Uint8Array): Hex {
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
export async function describeResult(run: RunResult): Promise<DescribedResult> {
  const digest = sha256(run.stdout);
  return {
    ...run,
    outputHash: `0x${bytesToHex(digest)}`,
    outputCid: (await cidOf(run.stdout)).toString(),
    resultHash: resultHashOf(run.outcome, run.exitCode, digest),
  };
}
