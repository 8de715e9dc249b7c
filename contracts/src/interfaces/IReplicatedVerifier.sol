// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IComputeMarket} from "./IComputeMarket.sol";
import {IVerifier} from "./IVerifier.sol";

/// @title Replicated commit-reveal verification (`VerificationMode.Replicated`).
/// @notice The task's drawn providers each commit to
/// `keccak256(abi.encode(taskId, provider, resultHash, fuelUsed, salt))`, then reveal; when `quorum` reveals agree
/// the task is settled: agreeing providers are paid `fuelUsed * price`, dissenting and silent ones slashed. A
/// one-replica task of this mode needs no verifier (its one provider's result is the result) and the market settles
/// it itself (`IComputeMarket.submitResult`). The error names are the market's, so a client reads one vocabulary.
interface IReplicatedVerifier is IVerifier {
    error ComputeNotMarket(address caller);
    error ComputeRecordMismatch(bytes32 taskId);
    error ComputeNotAssigned(address caller, uint256 index);
    error ComputeCommitClosed(uint64 commitDeadline);
    error ComputeAlreadyCommitted(address provider);
    error ComputeRevealNotOpen();
    error ComputeRevealClosed(uint64 revealDeadline);
    error ComputeNotCommitted(address provider);
    error ComputeNotLastToCommit(address provider, uint256 committed, uint256 replicas);
    error ComputeCommitmentMismatch(address provider);
    error ComputeFuelAboveLimit(uint64 fuelUsed, uint64 maxFuel);
    error ComputeTooEarly(bytes32 taskId);
    error ComputeResultHashMismatch(bytes32 taskId);

    event ResultCommitted(bytes32 indexed taskId, address indexed provider, bytes32 commitment);
    event ResultRevealed(
        bytes32 indexed taskId, address indexed provider, bytes32 resultHash, uint64 fuelUsed
    );

    /// @notice Commits the caller's result; `index` is the caller's position in the record's providers.
    function commit(bytes calldata record, uint256 index, bytes32 commitment) external;

    /// @notice Seats a pending task (`IComputeMarket.seat` with its pending record and content) and commits the
    /// caller's result in the same transaction: a pool member that found itself drawn (by simulating `seat`) ran the
    /// task and is the first to commit. Reverts, seating nothing, unless the caller holds seat `index` of the draw.
    function seatAndCommit(
        bytes calldata pendingRecord,
        bytes calldata content,
        uint256 index,
        bytes32 commitment
    ) external;

    /// @notice Reveals the committed result. Opens once every provider committed or the commit window closed;
    /// the reveal that completes the set settles the task.
    function reveal(bytes calldata record, uint256 index, bytes32 resultHash, uint64 fuelUsed, bytes32 salt)
        external;

    /// @notice Reveals the caller's result without a commitment, as the last of the providers to commit: every
    /// other provider is bound by its commitment already, so nothing this reveal shows can change theirs. Open
    /// while the commit window is; counts as the caller's commit and its reveal (only `ResultRevealed` is emitted).
    function revealLast(bytes calldata record, uint256 index, bytes32 resultHash, uint64 fuelUsed) external;

    /// @notice Settles a task whose windows have run out (or that can no longer change). Anyone may call. When too
    /// few committed for a quorum, it may be called as soon as the commit window closes; the providers that
    /// committed are then not slashed, since their reveal window is still open.
    /// @param resultHash The full hash of the agreed result when a quorum revealed (from `ResultRevealed`);
    /// ignored when there is none. It must be exactly the hash the quorum revealed: storage keeps a digest of it, and
    /// any other value is refused.
    function finalize(bytes calldata record, bytes32 resultHash) external;

    /// @notice The market this verifier serves (it created the verifier).
    function market() external view returns (IComputeMarket);

    /// @notice The replica word of (client, lane, index), as stored (see `TaskStateLib`).
    function replicaWord(address client, uint32 lane, uint256 index) external view returns (uint256);
}
