// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TaskStatus} from "../types/Orders.sol";
import {IEscrow} from "./IEscrow.sol";
import {IProviderMirror} from "./IProviderMirror.sol";
import {IProviderRegistry} from "./IProviderRegistry.sol";

/// @title Compute market: signed orders in, verified results out.
/// @notice A matcher (or the client itself) matches a client's signed bid with one signed ask per replica;
/// escrow locks `maxFuel * price * replicas` plus fees. How the result is verified is the bid's `mode`, and each
/// mode is a verifier contract (`IVerifier`) that decides the outcome and calls `settle`; the market keeps the
/// matching, the escrow and the one settlement routine, and enforces what no verifier may break: only the task's
/// own providers are paid or slashed, nothing is charged beyond the lock, and every task reaches a final state
/// through a path anyone can call (`finalize`, `expire`). A one-replica replicated task needs no verifier: its
/// provider submits its result here and is paid in the same transaction. Paid providers earn `fuelUsed * price`,
/// fees go to the matcher and the treasury, the client gets the rest back and one review right.
/// A task's terms live in its packed record (`TaskRecordLib`), emitted in `TaskMatched` and passed back to every
/// later call; the market keeps only its hash, in the word of the client's lane (`TaskStateLib`).
interface IComputeMarket is IEscrow, IProviderMirror {
    /// @notice Governance-owned parameters, each with hard bounds (see `MAX_*`/`MIN_*`).
    struct MarketParams {
        uint16 protocolFeeBps;
        uint16 matcherFeeBps;
        uint32 commitWindow;
        uint32 revealWindow;
        /// @notice Stake a provider needs in the registry to be matched here.
        uint96 minStake;
    }

    /// @notice A verifier's decision on a task (see `settle`). Masks index into the record's providers.
    /// @param status `Finalized` (someone is paid, with `resultHash` the result) or `Failed` (nobody is paid).
    struct Verdict {
        TaskStatus status;
        uint256 paidMask;
        uint256 slashedMask;
        uint64 fuelUsed;
        bytes32 resultHash;
    }

    /// @notice A client's lane, unpacked (see `TaskStateLib`).
    struct LaneState {
        TaskStatus status;
        uint32 seq;
        uint32 floor;
        bytes23 head;
    }

    /// @notice A task settled (or opened) after the one a review is written for, in the same lane: enough to follow
    /// the lane's hash chain from that task to the lane's current head (see `Reviews.reviewTask`).
    struct LaterTask {
        bytes record;
        TaskStatus status;
        uint256 paidMask;
        uint256 charged;
    }

    error ComputeBidExpired(uint64 deadline);
    error ComputeAskExpired(address provider, uint64 expiry);
    error ComputeInvalidSignature(address signer);
    error ComputeNonceUsed(address client, uint64 nonce);
    error ComputeLaneBusy(address client, uint32 lane);
    error ComputeInvalidReplicas(uint8 replicas, uint8 quorum);
    error ComputeAskCountMismatch(uint256 asks, uint8 replicas);
    error ComputeModeNotInstalled(uint8 mode);
    error ComputeModeNeedsAsks(uint8 mode);
    error ComputeModeNotAccepted(address provider, uint8 mode);
    error ComputePriceTooHigh(address provider, uint256 askPrice, uint256 maxPrice);
    error ComputeAskExhausted(address provider, uint64 nonce);
    error ComputeInvalidBid();
    error ComputeOrdersMalformed();
    error ComputeNotClient(address caller, address client);
    error ComputeUnknownTask(bytes32 taskId);
    error ComputeRecordMismatch(bytes32 taskId);
    error ComputeTaskNotOpen(bytes32 taskId, TaskStatus status);
    error ComputeNotAssigned(address caller, uint256 index);
    error ComputeWrongReplicaCount(uint256 replicas);
    error ComputeCommitClosed(uint64 commitDeadline);
    error ComputeFuelAboveLimit(uint64 fuelUsed, uint64 maxFuel);
    error ComputeTooEarly(bytes32 taskId);
    error ComputeRegistryNotContract(address registry);
    error ComputeNotRegistry(address caller);
    error ComputeParamOutOfBounds(bytes32 param, uint256 value, uint256 min, uint256 max);
    error ComputeSlashOutOfGas(bytes32 taskId);
    error ComputeNotSeated(bytes32 taskId);
    error ComputeAlreadySeated(bytes32 taskId);
    error ComputeDrawUnavailable(bytes32 taskId, uint256 drawBlock);
    error ComputeContentMismatch(bytes32 taskId);
    error ComputeSeatsUnavailable(bytes32 taskId);
    error ComputeNotVerifier(address caller, address verifier);
    error ComputeVerdictInvalid(bytes32 taskId);
    error ComputeVerifiedByModule(bytes32 taskId, address verifier);
    error ComputeVerifierInstalled(uint8 mode, address verifier);
    error ComputeVerifierNotContract(address verifier);
    error ComputeNotExpired(bytes32 taskId, uint64 expiresAt);

    /// @notice A bid was matched. `terms` is packed, not ABI-encoded (a match costs ~1.3k gas less): first the bid's
    /// content as the packed orders carry it, its 32-byte encryption key (zero when none) and its app CID and input
    /// CID, each after a one-byte length; then, to the end, the task's record (`TaskRecordLib`, the bytes every
    /// later call passes back; the matcher and the providers are in it). The SDK's `decodeTaskMatched` reads it.
    event TaskMatched(bytes32 indexed taskId, address indexed client, bytes terms);
    /// @notice A task with several replicas was matched and its escrow locked at the bid's price; its seats are drawn
    /// by `seat` from the next block on, which emits `TaskMatched`. `terms`: the bid content, then the pending record.
    event TaskPending(bytes32 indexed taskId, address indexed client, bytes terms);
    /// @notice A task reached a final state. `resultHash` is the agreed result: the runtime's `agora.result.v1` hash
    /// of the outcome, the exit code and the SHA-256 of the output (see packages/runtime/src/result.ts); zero when
    /// failed. `settlement` packs the rest into one word (two words of log data instead of six, ~1k gas less; the SDK's
    /// `decodeSettlement` reads it; `TaskStateLib.packSettlement` writes it): from the top, the status (bits
    /// 224-231), the fuel used (160-223), `paidMask` and `slashedMask` (144-159 and 128-143, indexing into the
    /// record's providers), and `charged` (0-127), what the client paid in all (providers and fees); the rest of its
    /// lock was refunded.
    event TaskSettled(bytes32 indexed taskId, bytes32 resultHash, uint256 settlement);
    event BidCancelled(address indexed client, uint64 nonce, bytes32 indexed taskId);
    event AskCancelled(address indexed provider, uint64 nonce);
    /// @notice The registry refused to slash the providers a settlement found at fault (the market is no longer a
    /// slasher). The task settled all the same: paid, refunded and final.
    event SlashRefused(bytes32 indexed taskId, address[] providers);
    event MarketParamsUpdated(MarketParams params);
    event VerifierInstalled(uint8 indexed mode, address verifier);

    /// @notice Matches a signed bid and locks the client's escrow; the caller is the matcher and earns the matcher
    /// fee. Only the matcher the bid names may: the bid's signature is checked with the caller as its `matcher`,
    /// so anyone else's match of it fails with `ComputeInvalidSignature`. A one-replica bid comes with the signed
    /// ask of its provider. A bid with several replicas comes alone, locked at its own price; `seat` draws its seats
    /// from the replica pool, pays them the highest floor among them and returns the rest of the lock.
    /// @param orders The bid and its ask (if any), each with its signature, packed as `OrderCalldataLib` lays out
    /// (the SDK's `encodeOrders`); they are signed as the EIP-712 `Bid` and `Ask` of `Orders.sol`.
    /// @return taskId `keccak256(abi.encode(bid.client, bid.nonce))`.
    function matchOrders(bytes calldata orders) external returns (bytes32 taskId);

    /// @notice The client fills asks directly, without a matcher (no matcher fee; the bid's signature may be
    /// empty, it is not checked). `orders` as in `matchOrders`.
    function fill(bytes calldata orders) external returns (bytes32 taskId);

    /// @notice Draws the seats of a pending task (see `TaskPending`) from the replica pool, seeded by the hash of
    /// the block the task was matched in, and emits `TaskMatched` with the seated record. Anyone may call it, from
    /// the block after the match until 256 blocks later; the draw is the same whoever calls and whenever. The seats
    /// are members whose floor price is at most the bid's. A task never seated fails at its commit deadline with its
    /// whole lock refunded.
    /// @param content The bid's content as `TaskPending` emitted it.
    /// @return seatedRecord The task's record from now on (as `TaskMatched` carries it); a call simulated before
    /// sending tells a pool member whether it is drawn.
    function seat(bytes calldata record, bytes calldata content) external returns (bytes memory seatedRecord);

    /// @notice One-replica replicated fast path: the provider submits its result and the task settles at once.
    function submitResult(bytes calldata record, bytes32 resultHash, uint64 fuelUsed) external;

    /// @notice Fails a task nobody can work on any more; anyone may call once its commit window closed. A task whose
    /// seats were never drawn refunds its whole lock and slashes nobody; a one-replica replicated task whose
    /// provider submitted nothing refunds the client and slashes the provider. Any other task is its verifier's to
    /// settle (`ComputeVerifiedByModule`).
    /// @param resultHash Unused; kept so every mode's `finalize` has one shape.
    function finalize(bytes calldata record, bytes32 resultHash) external;

    /// @notice Carries out the verdict of the task's verifier: pays, slashes, takes fees and refunds the client.
    /// Only the verifier of the record's mode may call it, and only on an open task with its seats drawn.
    function settle(bytes calldata record, Verdict calldata verdict) external;

    /// @notice Ends a task its verifier left open `VERIFIER_GRACE` after its reveal deadline: the client gets its whole
    /// lock back, nobody is paid or slashed. Anyone may call. A working verifier settles long before.
    function expire(bytes calldata record) external;

    /// @notice Installs the verifier of `mode`, once: a mode's verifier never changes, so open tasks keep theirs and
    /// a new version of a module takes a new mode. Owner only (the timelock).
    function installVerifier(uint8 mode, address verifier) external;

    /// @notice The verifier that settles tasks of `mode`; zero when none is installed.
    function verifierOf(uint8 mode) external view returns (address);

    /// @notice Retires the caller's bid `nonce` and every lower sequence number in its lane, so none of those
    /// bids can be matched. Works while the lane has an open task too.
    function cancelBid(uint64 nonce) external;

    /// @notice Exhausts the caller's ask with `nonce`, so it can never be filled again.
    function cancelAsk(uint64 nonce) external;

    /// @notice The task id a bid of `client` with `nonce` gets.
    function taskIdOf(address client, uint64 nonce) external pure returns (bytes32);

    /// @notice The status of the task (client, nonce); `Retired` once its lane moved past it.
    function taskStatus(address client, uint64 nonce) external view returns (TaskStatus);

    /// @notice The word of a client's lane, unpacked.
    function laneState(address client, uint32 lane) external view returns (LaneState memory);

    /// @notice Whether a bid of `client` with `nonce` can be matched now as far as its nonce goes: the lane is
    /// free and the sequence not retired.
    function isNonceUsable(address client, uint64 nonce) external view returns (bool);

    /// @notice How many times the ask (provider, nonce) has been filled (type(uint256).max once cancelled).
    function askFills(address provider, uint64 nonce) external view returns (uint256);

    /// @notice The provider's standing as this market last heard it from the registry (see `IProviderMirror`):
    /// what a match checks. Equals the registry's `providerOf` for every provider registered since the market
    /// became a mirror.
    function standingOf(address provider)
        external
        view
        returns (uint96 bonded, uint40 jailedUntil, IProviderRegistry.ProviderStatus status);

    /// @notice The amount escrow locks for a task with these terms.
    function lockAmount(
        uint256 pricePerFuel,
        uint64 maxFuel,
        uint256 replicas,
        uint256 protocolFeeBps,
        uint256 matcherFeeBps
    ) external pure returns (uint256);

    /// @notice The current parameters.
    function params() external view returns (MarketParams memory);
}
