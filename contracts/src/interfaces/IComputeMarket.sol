// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TaskStatus} from "../types/Orders.sol";
import {IEscrow} from "./IEscrow.sol";
import {IProviderMirror} from "./IProviderMirror.sol";
import {IProviderRegistry} from "./IProviderRegistry.sol";

/// @title Compute market: signed orders in, verified results out.
/// @notice A matcher (or the client itself) matches a client's signed bid with one signed ask per replica;
/// escrow locks `maxFuel * price * replicas` plus fees. With one replica the provider submits its result and
/// is paid in the same transaction. With several, each provider commits to
/// `keccak256(abi.encode(taskId, provider, resultHash, fuelUsed, salt))`, then reveals; when `quorum` reveals
/// agree the task finalizes: agreeing providers are paid `fuelUsed * price`, dissenting and silent ones are
/// slashed, fees go to the matcher and the treasury, the client gets the rest back and one review right.
/// Every deadline has a path anyone can call, so no task stays open and no money stays locked.
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
    error ComputeModeUnsupported(uint8 mode);
    error ComputeModeNotAccepted(address provider, uint8 mode);
    error ComputePriceTooHigh(address provider, uint256 askPrice, uint256 maxPrice);
    error ComputeAskExhausted(address provider, uint64 nonce);
    error ComputeInvalidBid();
    error ComputeOrdersMalformed();
    error ComputeNotClient(address caller, address client);
    error ComputeUnknownTask(bytes32 taskId);
    error ComputeRecordMismatch(bytes32 taskId);
    error ComputeResultHashMismatch(bytes32 taskId);
    error ComputeTaskNotOpen(bytes32 taskId, TaskStatus status);
    error ComputeNotAssigned(address caller, uint256 index);
    error ComputeWrongReplicaCount(uint256 replicas);
    error ComputeCommitClosed(uint64 commitDeadline);
    error ComputeAlreadyCommitted(address provider);
    error ComputeRevealNotOpen();
    error ComputeRevealClosed(uint64 revealDeadline);
    error ComputeNotCommitted(address provider);
    error ComputeCommitmentMismatch(address provider);
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

    /// @notice A bid was matched. `terms` is packed, not ABI-encoded (a match costs ~1.3k gas less): first the bid's
    /// content as the packed orders carry it, its 32-byte encryption key (zero when none) and its app CID and input
    /// CID, each after a one-byte length; then, to the end, the task's record (`TaskRecordLib`, the bytes every
    /// later call passes back; the matcher and the providers are in it). The SDK's `decodeTaskMatched` reads it.
    event TaskMatched(bytes32 indexed taskId, address indexed client, bytes terms);
    /// @notice A task with several replicas was matched and its escrow locked at the bid's price; its seats are drawn
    /// by `seat` from the next block on, which emits `TaskMatched`. `terms`: the bid content, then the pending record.
    event TaskPending(bytes32 indexed taskId, address indexed client, bytes terms);
    event ResultCommitted(bytes32 indexed taskId, address indexed provider, bytes32 commitment);
    event ResultRevealed(
        bytes32 indexed taskId, address indexed provider, bytes32 resultHash, uint64 fuelUsed
    );
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
    function seat(bytes calldata record, bytes calldata content) external returns (address[] memory providers);

    /// @notice Single-replica fast path: the provider submits its result and the task settles at once.
    function submitResult(bytes calldata record, bytes32 resultHash, uint64 fuelUsed) external;

    /// @notice Commits the caller's result; `index` is the caller's position in the record's providers.
    function commit(bytes calldata record, uint256 index, bytes32 commitment) external;

    /// @notice Reveals the committed result. Opens once every provider committed or the commit window closed;
    /// the reveal that completes the set finalizes the task.
    function reveal(bytes calldata record, uint256 index, bytes32 resultHash, uint64 fuelUsed, bytes32 salt)
        external;

    /// @notice Settles a task whose windows have run out (or that can no longer change). Anyone may call. When too
    /// few committed for a quorum, it may be called as soon as the commit window closes; the providers that
    /// committed are then not slashed, since their reveal window is still open.
    /// @param resultHash The full hash of the agreed result when a quorum revealed (from `ResultRevealed`);
    /// ignored when there is none. It must be exactly the hash the quorum revealed: storage keeps a digest of it, and
    /// any other value is refused.
    function finalize(bytes calldata record, bytes32 resultHash) external;

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

    /// @notice The replica word of (client, lane, index), as stored (see `TaskStateLib`).
    function replicaWord(address client, uint32 lane, uint256 index) external view returns (uint256);

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
