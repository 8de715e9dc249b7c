// A provider's resources packed into one word, exactly as contracts/src/libraries/ResourcesLib.sol reads it.
import { AgoraError, errorCodes } from '@agora/errors';

export type Resources = {
  cpuCores: number;
  memoryMiB: number;
  gpuCount: number;
  storageGiB: number;
  /** A region code chosen by the network (0: unspecified). */
  region: number;
  /** Bit flags: `resourceFeatures`. */
  features: number;
  /** ASCII, at most 15 characters; empty without a GPU. */
  gpuModel: string;
};

export const resourceFeatures = { tee: 1, storage: 2 } as const;

// [field, bit offset, bit width]; low to high.
const layout = [
  ['cpuCores', 0, 16],
  ['memoryMiB', 16, 32],
  ['gpuCount', 48, 8],
  ['storageGiB', 56, 32],
  ['region', 88, 16],
  ['features', 104, 32],
] as const;
const gpuModelOffset = 136n;
const gpuModelBytes = 15;

/** Packs resources into the word asks and registrations carry. */
export function encodeResources(resources: Resources): bigint {
  let word = 0n;
  for (const [field, offset, width] of layout) {
    const value = resources[field];
    if (!Number.isInteger(value) || value < 0 || value >= 2 ** width) {
      throw new AgoraError(
        errorCodes.INVALID_ARGUMENT,
        `resources.${field} must be an integer from 0 to ${2 ** width - 1}; got ${value}`,
      );
    }
    word |= BigInt(value) << BigInt(offset);
  }
  if (!/^[\x20-\x7e]{0,15}$/.test(resources.gpuModel)) {
    throw new AgoraError(
      errorCodes.INVALID_ARGUMENT,
      `resources.gpuModel is printable ASCII of at most ${gpuModelBytes} characters; got "${resources.gpuModel}"`,
    );
  }
  let model = 0n;
  for (let i = 0; i < gpuModelBytes; i++) {
    model = (model << 8n) | BigInt(resources.gpuModel.charCodeAt(i) || 0);
  }
  return word | (model << gpuModelOffset);
}

/** Unpacks a resources word. */
export function decodeResources(word: bigint): Resources {
  const field = (offset: number, width: number) => Number((word >> BigInt(offset)) & ((1n << BigInt(width)) - 1n));
  let gpuModel = '';
  const model = (word >> gpuModelOffset) & ((1n << 120n) - 1n);
  for (let i = gpuModelBytes - 1; i >= 0; i--) {
    const code = Number((model >> BigInt(i * 8)) & 0xffn);
    if (code === 0) break;
    gpuModel += String.fromCharCode(code);
  }
  const [cpuCores, memoryMiB, gpuCount, storageGiB, region, features] = layout.map(([, offset, width]) =>
    field(offset, width),
  ) as [number, number, number, number, number, number];
  return { cpuCores, memoryMiB, gpuCount, storageGiB, region, features, gpuModel };
}
