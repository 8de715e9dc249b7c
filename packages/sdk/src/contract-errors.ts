// Custom errors of our contracts, read out of whatever viem threw, so callers branch on a name and not on text, and
// people read a sentence that says what was wrong and what would be accepted.
import { AgoraError, type AgoraErrorCode, errorCodes } from '@agora/errors';
import {
  type Abi,
  BaseError,
  ContractFunctionRevertedError,
  HttpRequestError,
  TimeoutError,
  decodeErrorResult,
} from 'viem';
import {
  agoraTokenAbi,
  computeMarketAbi,
  providerRegistryAbi,
  replicatedVerifierAbi,
  replicaPoolAbi,
  reviewsAbi,
  storageMarketAbi,
  testStablecoinAbi,
} from './generated/contracts.js';

/** Every custom error of every Agora contract: a call into one may revert with another's error (the market calls the
 * registry, escrow calls tokens), and the caller's ABI alone would not name it. */
const agoraErrorsAbi: Abi = [
  ...computeMarketAbi,
  ...replicatedVerifierAbi,
  ...storageMarketAbi,
  ...reviewsAbi,
  ...replicaPoolAbi,
  ...providerRegistryAbi,
  ...agoraTokenAbi,
  ...testStablecoinAbi,
].filter((item) => item.type === 'error');

export type ContractErrorInfo = {
  /** The custom error's name, e.g. `ComputeAlreadyCommitted`. */
  name: string;
  args: readonly unknown[];
};

/** The custom error a contract call reverted with, if the error is such a revert and its ABI knew the error. */
export function contractErrorOf(error: unknown): ContractErrorInfo | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const revert = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
  if (!(revert instanceof ContractFunctionRevertedError)) return undefined;
  if (revert.data) return { name: revert.data.errorName, args: revert.data.args ?? [] };
  if (!revert.raw) return undefined;
  try {
    const decoded = decodeErrorResult({ abi: agoraErrorsAbi, data: revert.raw });
    return { name: decoded.errorName, args: decoded.args ?? [] };
  } catch {
    return undefined;
  }
}

type Explained = readonly [AgoraErrorCode, (args: readonly unknown[]) => string];

const at = (seconds: unknown) => new Date(Number(seconds) * 1000).toISOString();
const text = (value: unknown) => String(value);

/** Every custom error of the market, the registry and escrow, with its code and a readable sentence. */
const explanations: Record<string, Explained> = {
  ComputeBidExpired: [
    errorCodes.ORDER_EXPIRED,
    ([deadline]) => `The bid expired at ${at(deadline)}; sign a new one with a later deadline.`,
  ],
  ComputeAskExpired: [
    errorCodes.ORDER_EXPIRED,
    ([provider, expiry]) => `The ask of ${text(provider)} expired at ${at(expiry)}.`,
  ],
  ComputeInvalidSignature: [
    errorCodes.ORDER_SIGNATURE_INVALID,
    ([signer]) =>
      `The signature is not ${text(signer)}'s over this order on this chain and market (a bid is signed for one matcher: only that matcher's match of it verifies).`,
  ],
  ComputeNonceUsed: [
    errorCodes.NONCE_USED,
    ([client, nonce]) =>
      `The nonce ${text(nonce)} of ${text(client)} was already used or cancelled; an order cannot be replayed. Sign it again with a fresh nonce.`,
  ],
  ComputeLaneBusy: [
    errorCodes.LANE_BUSY,
    ([client, lane]) =>
      `Lane ${text(lane)} of ${text(client)} still has an open task; use another lane or wait until it settles.`,
  ],
  ComputeInvalidReplicas: [
    errorCodes.ORDER_INVALID,
    ([replicas, quorum]) =>
      `Replicas ${text(replicas)} with quorum ${text(quorum)} is not accepted: replicas must be 1 to 16 and the quorum a strict majority of them.`,
  ],
  ComputeAskCountMismatch: [
    errorCodes.ORDER_INVALID,
    ([asks, expected]) =>
      `The orders carry ${text(asks)} asks; this bid takes ${text(expected)} (a bid with several replicas takes none: its seats are drawn from the replica pool).`,
  ],
  ComputeModeNotInstalled: [
    errorCodes.ORDER_INVALID,
    ([mode]) =>
      `Verification mode ${text(mode)} has no verifier installed in this market; use replicated (0) or an installed mode.`,
  ],
  ComputeModeNeedsAsks: [
    errorCodes.ORDER_INVALID,
    ([mode]) =>
      `A task in verification mode ${text(mode)} is matched with its providers' asks, one replica each; bid one replica.`,
  ],
  ComputeNotVerifier: [
    errorCodes.NOT_AUTHORIZED,
    ([caller, verifier]) => `Only the task's verifier ${text(verifier)} may settle it, not ${text(caller)}.`,
  ],
  ComputeVerdictInvalid: [
    errorCodes.TASK_STATE_INVALID,
    ([taskId]) =>
      `The verdict for task ${text(taskId)} pays or slashes someone outside its providers, or charges beyond its lock.`,
  ],
  ComputeVerifiedByModule: [
    errorCodes.TASK_STATE_INVALID,
    ([taskId, verifier]) => `Task ${text(taskId)} is settled by its verifier ${text(verifier)}; send the step there.`,
  ],
  ComputeVerifierInstalled: [
    errorCodes.INVALID_ARGUMENT,
    ([mode, verifier]) =>
      `Verification mode ${text(mode)} already has its verifier, ${text(verifier)}; use a new mode.`,
  ],
  ComputeVerifierNotContract: [
    errorCodes.INVALID_ARGUMENT,
    ([verifier]) => `${text(verifier)} is not a contract, so it cannot be a verifier.`,
  ],
  ComputeNotExpired: [
    errorCodes.TASK_STATE_INVALID,
    ([taskId, expiresAt]) => `Task ${text(taskId)} can be expired only after ${text(expiresAt)} (unix time).`,
  ],
  ComputeNotMarket: [
    errorCodes.NOT_AUTHORIZED,
    ([caller]) => `Only the compute market may open tasks in its verifier, not ${text(caller)}.`,
  ],
  ComputeModeNotAccepted: [
    errorCodes.ORDER_INVALID,
    ([provider, mode]) => `Provider ${text(provider)} does not accept verification mode ${text(mode)}.`,
  ],
  ComputeOrdersMalformed: [
    errorCodes.ORDER_INVALID,
    () =>
      "The orders are not packed as the market reads them: one bid, its signature, then one ask with its signature per replica, nothing after (encode them with the SDK's encodeOrders).",
  ],
  ComputePriceTooHigh: [
    errorCodes.ORDER_INVALID,
    ([provider, askPrice, maxPrice]) =>
      `Provider ${text(provider)} asks ${text(askPrice)} per fuel unit, above the bid's maximum of ${text(maxPrice)}.`,
  ],
  ComputeAskExhausted: [
    errorCodes.ASK_EXHAUSTED,
    ([provider, nonce]) => `The ask ${text(nonce)} of ${text(provider)} has filled its volume or was cancelled.`,
  ],
  ComputeInvalidBid: [
    errorCodes.ORDER_INVALID,
    () => 'The bid needs a max fuel above 0, an app CID, an input CID, and a sequence number below 2^32-1.',
  ],
  ComputeNotClient: [
    errorCodes.NOT_AUTHORIZED,
    ([caller, client]) => `Only the bid's client ${text(client)} may fill it directly, not ${text(caller)}.`,
  ],
  ComputeUnknownTask: [errorCodes.TASK_NOT_FOUND, ([taskId]) => `The market has no open task ${text(taskId)}.`],
  ComputeRecordMismatch: [
    errorCodes.TASK_NOT_FOUND,
    ([taskId]) => `The record given is not the one task ${text(taskId)} was matched with.`,
  ],
  ComputeResultHashMismatch: [
    errorCodes.TASK_STATE_INVALID,
    ([taskId]) => `The quorum of task ${text(taskId)} agreed on another result hash.`,
  ],
  ComputeTaskNotOpen: [
    errorCodes.TASK_STATE_INVALID,
    ([taskId, status]) => `Task ${text(taskId)} is not open (status ${text(status)}).`,
  ],
  ComputeNotAssigned: [
    errorCodes.NOT_AUTHORIZED,
    ([caller, index]) => `${text(caller)} is not the provider of replica ${text(index)}.`,
  ],
  ComputeWrongReplicaCount: [
    errorCodes.TASK_STATE_INVALID,
    ([replicas]) => `This step is not for a task with ${text(replicas)} replicas.`,
  ],
  ComputeCommitClosed: [errorCodes.TASK_STATE_INVALID, ([deadline]) => `The commit window closed at ${at(deadline)}.`],
  ComputeAlreadyCommitted: [errorCodes.TASK_STATE_INVALID, ([provider]) => `${text(provider)} has already committed.`],
  ComputeRevealNotOpen: [
    errorCodes.TASK_STATE_INVALID,
    () => 'Reveals open when every replica has committed or the commit window has closed.',
  ],
  ComputeRevealClosed: [errorCodes.TASK_STATE_INVALID, ([deadline]) => `The reveal window closed at ${at(deadline)}.`],
  ComputeNotCommitted: [errorCodes.TASK_STATE_INVALID, ([provider]) => `${text(provider)} has not committed.`],
  ComputeNotLastToCommit: [
    errorCodes.TASK_STATE_INVALID,
    ([provider, committed, replicas]) =>
      `${text(provider)} may reveal without committing only as the last to commit; ${text(committed)} of the other ${text(BigInt(String(replicas)) - 1n)} providers have committed. Commit first.`,
  ],
  ComputeCommitmentMismatch: [
    errorCodes.TASK_STATE_INVALID,
    ([provider]) => `The reveal of ${text(provider)} does not match its commitment.`,
  ],
  ComputeFuelAboveLimit: [
    errorCodes.TASK_STATE_INVALID,
    ([fuel, maxFuel]) => `Fuel used ${text(fuel)} is above the task's maximum of ${text(maxFuel)}.`,
  ],
  ComputeTooEarly: [
    errorCodes.TASK_STATE_INVALID,
    ([taskId]) => `Task ${text(taskId)} cannot be finalized yet: reveals are still due.`,
  ],
  ComputeSlashOutOfGas: [
    errorCodes.TRANSACTION_REVERTED,
    ([taskId]) =>
      `Settling task ${text(taskId)} needs more gas: its slash ran out of it, and a settlement never goes through without its slash. Send it again with a higher gas limit.`,
  ],
  ComputeNotSeated: [
    errorCodes.TASK_STATE_INVALID,
    ([taskId]) => `Task ${text(taskId)} has no seats yet: call seat with its pending record from the next block on.`,
  ],
  ComputeAlreadySeated: [
    errorCodes.TASK_STATE_INVALID,
    ([taskId]) => `Task ${text(taskId)} is already seated; use the record its TaskMatched event carries.`,
  ],
  ComputeDrawUnavailable: [
    errorCodes.TASK_STATE_INVALID,
    ([taskId, block]) =>
      `The seats of task ${text(taskId)} are drawn from the hash of block ${text(block)}, which is not available now: seat from the block after the match, within 256 blocks. A task never seated fails at its commit deadline with its lock refunded.`,
  ],
  ComputeContentMismatch: [
    errorCodes.INVALID_ARGUMENT,
    ([taskId]) => `The bid content given for task ${text(taskId)} is not the one its TaskPending event carried.`,
  ],
  ComputeSeatsUnavailable: [
    errorCodes.PROVIDER_NOT_ELIGIBLE,
    ([taskId]) =>
      `Too few eligible pool members at the bid's price to seat task ${text(taskId)}; it fails at its commit deadline with its lock refunded.`,
  ],
  ComputeNotRegistry: [
    errorCodes.NOT_AUTHORIZED,
    ([caller]) => `Only the provider registry reports providers' standing to the market, not ${text(caller)}.`,
  ],
  ComputeRegistryNotContract: [
    errorCodes.INVALID_ARGUMENT,
    ([registry]) =>
      `The provider registry ${text(registry)} has no code; deploy the registry first and pass its address.`,
  ],
  ComputeParamOutOfBounds: [
    errorCodes.INVALID_ARGUMENT,
    ([, value, min, max]) => `Parameter value ${text(value)} is outside ${text(min)}..${text(max)}.`,
  ],
  EscrowTokenNotAllowed: [
    errorCodes.ORDER_INVALID,
    ([token]) => `The market does not accept payments in ${text(token)}.`,
  ],
  EscrowZeroAmount: [errorCodes.INVALID_ARGUMENT, () => 'The amount must be above 0.'],
  EscrowInsufficientBalance: [
    errorCodes.INSUFFICIENT_FUNDS,
    ([token, account, available, required]) =>
      `${text(account)} has ${text(available)} of ${text(token)} free in escrow; ${text(required)} is needed. Deposit more first.`,
  ],
  EscrowAmountTooLarge: [errorCodes.INVALID_ARGUMENT, ([amount]) => `The amount ${text(amount)} is too large.`],
  EscrowNothingToClaim: [errorCodes.INVALID_ARGUMENT, () => 'There are no fees to claim.'],
  EscrowZeroAddress: [errorCodes.INVALID_ARGUMENT, () => 'The address must not be zero.'],
  EscrowTooManyTokens: [
    errorCodes.INVALID_ARGUMENT,
    ([max]) => `The market already knows ${text(max)} payment tokens, the most it accepts.`,
  ],
  RegistryAlreadyRegistered: [
    errorCodes.INVALID_ARGUMENT,
    ([provider]) => `${text(provider)} is already registered; update its profile instead.`,
  ],
  RegistryNotRegistered: [
    errorCodes.PROVIDER_NOT_ELIGIBLE,
    ([provider]) => `${text(provider)} is not a registered provider.`,
  ],
  RegistryProviderLeft: [errorCodes.PROVIDER_NOT_ELIGIBLE, ([provider]) => `${text(provider)} has left the registry.`],
  RegistryJailed: [
    errorCodes.PROVIDER_NOT_ELIGIBLE,
    ([provider, until]) => `${text(provider)} is jailed until ${at(until)}.`,
  ],
  RegistryInsufficientStake: [
    errorCodes.INSUFFICIENT_STAKE,
    ([provider, bonded, minimum]) =>
      `${text(provider)} has ${text(bonded)} bonded; the market needs at least ${text(minimum)}.`,
  ],
  RegistryZeroAmount: [errorCodes.INVALID_ARGUMENT, () => 'The amount must be above 0.'],
  RegistryInvalidResources: [
    errorCodes.INVALID_ARGUMENT,
    () => 'The resources record needs at least one CPU core and some memory.',
  ],
  RegistryInvalidMetadataCid: [errorCodes.INVALID_ARGUMENT, () => 'The metadata CID is empty or too long.'],
  RegistryAmountExceedsBonded: [
    errorCodes.INSUFFICIENT_STAKE,
    ([requested, bonded]) => `Cannot unbond ${text(requested)}: only ${text(bonded)} is bonded.`,
  ],
  RegistryNothingToWithdraw: [errorCodes.INVALID_ARGUMENT, () => 'Nothing is unbonding; request an unbond first.'],
  RegistryUnbondingNotReady: [
    errorCodes.TASK_STATE_INVALID,
    ([readyAt]) => `The unbonded stake can be withdrawn from ${at(readyAt)}.`,
  ],
  RegistryStakeOverflow: [errorCodes.INVALID_ARGUMENT, () => 'The stake would exceed 2^96-1.'],
  RegistryUnauthorizedSlasher: [errorCodes.NOT_AUTHORIZED, ([caller]) => `${text(caller)} may not slash.`],
  RegistryParamOutOfBounds: [
    errorCodes.INVALID_ARGUMENT,
    ([, value, min, max]) => `Parameter value ${text(value)} is outside ${text(min)}..${text(max)}.`,
  ],
  RegistryZeroAddress: [errorCodes.INVALID_ARGUMENT, () => 'The address must not be zero.'],
  RegistryStakeBacksOpenTasks: [
    errorCodes.TASK_STATE_INVALID,
    ([market, open]) =>
      `The stake backs ${text(open)} task(s) on market ${text(market)} that have not settled yet; it can leave once they are final (anyone may finalize a task past its deadlines).`,
  ],
  RegistryMirrorOutOfGas: [
    errorCodes.TRANSACTION_REVERTED,
    ([mirror]) =>
      `Market ${text(mirror)} ran out of gas while hearing of the change; send the transaction again with a higher gas limit.`,
  ],
  RegistryTooManyMirrors: [
    errorCodes.INVALID_ARGUMENT,
    ([max]) => `The registry already tells ${text(max)} markets of providers' standing; remove a retired one first.`,
  ],
  StorageRepairByFaultyProvider: [
    errorCodes.NOT_AUTHORIZED,
    ([dealId, index, provider]) =>
      `${text(provider)} missed the proof that emptied slot ${text(index)} of deal ${text(dealId)}; another provider must repair it.`,
  ],
  StorageBidExpired: [
    errorCodes.ORDER_EXPIRED,
    ([deadline]) => `The storage bid expired at ${at(deadline)}; sign a new one with a later deadline.`,
  ],
  StorageAskExpired: [
    errorCodes.ORDER_EXPIRED,
    ([provider, expiry]) => `The storage ask of ${text(provider)} expired at ${at(expiry)}; ask the provider again.`,
  ],
  StorageInvalidSignature: [
    errorCodes.ORDER_SIGNATURE_INVALID,
    ([signer]) => `The signature is not ${text(signer)}'s over this storage order on this chain and market.`,
  ],
  StorageNonceUsed: [
    errorCodes.NONCE_USED,
    ([client, nonce]) => `The storage bid nonce ${text(nonce)} of ${text(client)} was already used or cancelled.`,
  ],
  StorageInvalidBid: [
    errorCodes.ORDER_INVALID,
    () => 'The storage bid needs a size above 0 (at most 64 TiB), at least one period, a CID and a Merkle root.',
  ],
  StorageInvalidReplicas: [
    errorCodes.ORDER_INVALID,
    ([replicas]) => `${text(replicas)} replicas is not accepted: a deal has 1 to 16.`,
  ],
  StorageAskCountMismatch: [
    errorCodes.ORDER_INVALID,
    ([asks, expected]) =>
      `The orders carry ${text(asks)} asks; this bid takes ${text(expected)} (a bid with several replicas takes none: its seats are drawn from the replica pool).`,
  ],
  StorageTokenMismatch: [
    errorCodes.ORDER_INVALID,
    ([provider, askToken, bidToken]) =>
      `Provider ${text(provider)} is paid in ${text(askToken)}, the storage bid pays in ${text(bidToken)}.`,
  ],
  StoragePriceTooHigh: [
    errorCodes.ORDER_INVALID,
    ([provider, price, max]) =>
      `Provider ${text(provider)} asks ${text(price)} per GiB per period, above the bid's ${text(max)}.`,
  ],
  StorageCollateralTooHigh: [
    errorCodes.ORDER_INVALID,
    ([provider, wanted, max]) =>
      `The bid wants ${text(wanted)} collateral per GiB; provider ${text(provider)} locks at most ${text(max)}.`,
  ],
  StorageTooLarge: [
    errorCodes.ORDER_INVALID,
    ([provider, size, max]) =>
      `Provider ${text(provider)} stores at most ${text(max)} bytes; the file has ${text(size)}.`,
  ],
  StorageTooLong: [
    errorCodes.ORDER_INVALID,
    ([provider, periods, max]) =>
      `Provider ${text(provider)} stores for at most ${text(max)} periods; the bid wants ${text(periods)}.`,
  ],
  StorageDuplicateProvider: [
    errorCodes.ORDER_INVALID,
    ([provider]) => `Provider ${text(provider)} already holds a slot of this deal; each copy needs its own provider.`,
  ],
  StorageAskExhausted: [
    errorCodes.ASK_EXHAUSTED,
    ([provider, nonce]) => `The storage ask ${text(nonce)} of ${text(provider)} is filled or cancelled.`,
  ],
  StorageNotMatcher: [
    errorCodes.ORDER_WRONG_MATCHER,
    ([caller, matcher]) =>
      `The bid names matcher ${text(matcher)}; only it may submit the deal, and the caller is ${text(caller)}.`,
  ],
  StorageNotAccepted: [
    errorCodes.ORDER_INVALID,
    ([provider]) =>
      `Provider ${text(provider)} has not accepted this bid: upload the data to it and ask its agent to accept (POST /storage/acceptances) before the deal opens.`,
  ],
  StorageNotClient: [
    errorCodes.NOT_AUTHORIZED,
    ([caller, client]) => `Only the deal's client ${text(client)} may do this; the caller is ${text(caller)}.`,
  ],
  StorageUnknownDeal: [errorCodes.DEAL_NOT_FOUND, ([dealId]) => `Deal ${text(dealId)} does not exist on this market.`],
  StorageDealFinished: [errorCodes.DEAL_NOT_FOUND, ([dealId]) => `Deal ${text(dealId)} has finished.`],
  StorageNotSlotProvider: [
    errorCodes.NOT_AUTHORIZED,
    ([dealId, index, caller]) => `${text(caller)} does not hold slot ${text(index)} of deal ${text(dealId)}.`,
  ],
  StorageProofTooEarly: [
    errorCodes.DEAL_STATE_INVALID,
    ([dealId, index, period, opensAt]) =>
      `The proof of deal ${text(dealId)} slot ${text(index)} for period ${text(period)} opens at block ${text(opensAt)}.`,
  ],
  StorageProofWindowClosed: [
    errorCodes.DEAL_STATE_INVALID,
    ([dealId, index, period, closedAt]) =>
      `The proof window of deal ${text(dealId)} slot ${text(index)} for period ${text(period)} closed at block ${text(closedAt)}.`,
  ],
  StorageInvalidProof: [
    errorCodes.STORAGE_ROOT_MISMATCH,
    ([dealId, index, period]) =>
      `The segment and path do not lead to the root of deal ${text(dealId)} (slot ${text(index)}, period ${text(period)}).`,
  ],
  StorageWrongProofLength: [
    errorCodes.INVALID_ARGUMENT,
    ([length, depth]) => `The proof has ${text(length)} siblings; this deal's tree needs ${text(depth)}.`,
  ],
  StorageNotMissed: [
    errorCodes.DEAL_STATE_INVALID,
    ([dealId, index]) => `Slot ${text(index)} of deal ${text(dealId)} has not missed a proof whose window has closed.`,
  ],
  StorageSlotNotRepairable: [
    errorCodes.DEAL_STATE_INVALID,
    ([dealId, index]) => `Slot ${text(index)} of deal ${text(dealId)} is not waiting for repair.`,
  ],
  StorageTooLateToRepair: [
    errorCodes.DEAL_STATE_INVALID,
    ([dealId, index]) => `Deal ${text(dealId)} ends before slot ${text(index)} could be proven again.`,
  ],
  StorageDealNotOver: [
    errorCodes.DEAL_STATE_INVALID,
    ([dealId, endsAt]) => `Deal ${text(dealId)} runs until block ${text(endsAt)}.`,
  ],
  StorageNothingToCancel: [
    errorCodes.DEAL_STATE_INVALID,
    ([dealId]) => `Deal ${text(dealId)} is in its last period; there is nothing left to cancel.`,
  ],
  StorageRenewalExpired: [errorCodes.ORDER_EXPIRED, ([deadline]) => `The renewal consents expired at ${at(deadline)}.`],
  StorageInvalidRenewal: [
    errorCodes.DEAL_STATE_INVALID,
    ([dealId]) =>
      `A renewal adds at least one period to a deal that has not ended; deal ${text(dealId)} cannot take it.`,
  ],
  StorageConsentCountMismatch: [
    errorCodes.ORDER_INVALID,
    ([consents, replicas]) => `${text(consents)} consents for a deal of ${text(replicas)} slots.`,
  ],
  StorageAmountTooLarge: [errorCodes.ORDER_INVALID, ([amount]) => `The amount ${text(amount)} is too large.`],
  StorageParamOutOfBounds: [
    errorCodes.INVALID_ARGUMENT,
    ([, value, min, max]) => `Parameter value ${text(value)} is outside ${text(min)}..${text(max)}.`,
  ],
  ReviewInvalidRating: [
    errorCodes.REVIEW_INVALID,
    ([rating]) => `A rating is a whole number of stars from 1 to 5; ${text(rating)} is not.`,
  ],
  ReviewInvalidCid: [
    errorCodes.REVIEW_INVALID,
    ([length]) => `A review's text (or response) is named by a CID of 1 to 128 bytes; this one has ${text(length)}.`,
  ],
  ReviewNotClient: [
    errorCodes.NOT_AUTHORIZED,
    ([caller, client]) => `Only the client who paid, ${text(client)}, may review this; the caller is ${text(caller)}.`,
  ],
  ReviewSelfReview: [errorCodes.NOT_AUTHORIZED, ([provider]) => `${text(provider)} cannot review itself.`],
  ReviewUnknownProvider: [
    errorCodes.REVIEW_INVALID,
    ([index, providers]) => `There is no provider ${text(index)}: this one had ${text(providers)} (numbered from 0).`,
  ],
  ReviewDealNotFinished: [
    errorCodes.DEAL_STATE_INVALID,
    ([dealId]) => `Deal ${text(dealId)} has not finished; a deal is reviewed once it has.`,
  ],
  ReviewTaskNotReviewable: [
    errorCodes.TASK_STATE_INVALID,
    ([taskId]) =>
      `Task ${text(taskId)} cannot be reviewed: it is not finalized with this record, paid mask and charge.`,
  ],
  PoolNotActiveProvider: [
    errorCodes.PROVIDER_NOT_ELIGIBLE,
    ([provider]) => `${text(provider)} is not an active, staked provider; register and stake before joining the pool.`,
  ],
  PoolProviderJailed: [
    errorCodes.PROVIDER_NOT_ELIGIBLE,
    ([provider, until]) => `${text(provider)} is jailed until ${text(until)} and cannot join the pool before then.`,
  ],
  PoolExpiryInPast: [
    errorCodes.INVALID_ARGUMENT,
    ([expiry]) => `A pool membership must lapse in the future, not at ${text(expiry)}.`,
  ],
  PoolFull: [
    errorCodes.SERVICE_UNAVAILABLE,
    ([token, size]) => `The replica pool of ${text(token)} is full (${text(size)} slots); wait for a lapsed member.`,
  ],
  PoolNotMember: [
    errorCodes.INVALID_ARGUMENT,
    ([provider, token]) => `${text(provider)} is not in the replica pool of ${text(token)}.`,
  ],
  PoolMemberCurrent: [
    errorCodes.INVALID_ARGUMENT,
    ([provider]) => `${text(provider)} is a current pool member and cannot be evicted.`,
  ],
  PoolTooManySeats: [errorCodes.INVALID_ARGUMENT, ([replicas]) => `A draw seats at most 16, not ${text(replicas)}.`],
  PoolSeatStakeOutOfBounds: [
    errorCodes.INVALID_ARGUMENT,
    ([value, min, max]) => `Seat stake ${text(value)} is outside ${text(min)}..${text(max)}.`,
  ],
  ReviewAlreadyReviewed: [errorCodes.ALREADY_REVIEWED, ([reviewId]) => `Review ${text(reviewId)} already exists.`],
  ReviewUnknownReview: [errorCodes.NOT_AUTHORIZED, ([reviewId]) => `There is no review ${text(reviewId)}.`],
  ReviewNotProvider: [
    errorCodes.NOT_AUTHORIZED,
    ([caller, provider]) => `Only the reviewed provider ${text(provider)} may respond; the caller is ${text(caller)}.`,
  ],
  ReviewAlreadyResponded: [
    errorCodes.ALREADY_REVIEWED,
    ([reviewId]) => `Review ${text(reviewId)} already has the provider's response.`,
  ],
  ERC20InsufficientBalance: [
    errorCodes.INSUFFICIENT_FUNDS,
    ([sender, balance, needed]) => `${text(sender)} holds ${text(balance)} of the token; ${text(needed)} is needed.`,
  ],
  ERC20InsufficientAllowance: [
    errorCodes.INSUFFICIENT_FUNDS,
    ([, allowance, needed]) => `The allowance is ${text(allowance)}; ${text(needed)} is needed.`,
  ],
};

/** The code and sentence for a custom error, or undefined for an error the SDK does not know. */
export function explainContractError(info: ContractErrorInfo): { code: AgoraErrorCode; message: string } | undefined {
  const explained = explanations[info.name];
  return explained && { code: explained[0], message: explained[1](info.args) };
}

/**
 * Any failure of a chain call as an AgoraError: a custom error becomes its own code and sentence (with the error's name
 * in `details`), an unreachable node CHAIN_UNAVAILABLE, anything else stays what it was.
 * @example
 * try { await agora.deposit(usd, 100n) } catch (error) { throw toAgoraError(error, 'deposit') }
 */
export function toAgoraError(error: unknown, action: string): unknown {
  if (error instanceof AgoraError) return error;
  const reverted = contractErrorOf(error);
  if (reverted) {
    const explained = explainContractError(reverted);
    return new AgoraError(
      explained?.code ?? errorCodes.CONTRACT_REVERTED,
      `${action}: ${explained?.message ?? `the contract reverted with ${reverted.name}.`}`,
      { cause: error, details: reverted.name },
    );
  }
  if (error instanceof BaseError) {
    const unreachable = error.walk((cause) => cause instanceof HttpRequestError || cause instanceof TimeoutError);
    if (unreachable) {
      return new AgoraError(
        errorCodes.CHAIN_UNAVAILABLE,
        `${action}: the chain node did not answer (${error.shortMessage}).`,
        {
          cause: error,
          retryable: true,
        },
      );
    }
  }
  return error;
}
