// Custom errors of our contracts, read out of whatever viem threw, so callers branch on a name and not on text.
import { BaseError, ContractFunctionRevertedError } from 'viem';

export type ContractErrorInfo = {
  /** The custom error's name, e.g. `ComputeAlreadyCommitted`. */
  name: string;
  args: readonly unknown[];
};

/** The custom error a contract call reverted with, if the error is such a revert and its ABI knew the error. */
export function contractErrorOf(error: unknown): ContractErrorInfo | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const revert = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
  if (!(revert instanceof ContractFunctionRevertedError) || !revert.data) return undefined;
  return { name: revert.data.errorName, args: revert.data.args ?? [] };
}
