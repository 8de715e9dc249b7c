// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IComputeMarket} from "../interfaces/IComputeMarket.sol";
import {IReplicatedVerifier} from "../interfaces/IReplicatedVerifier.sol";
import {IVerifier} from "../interfaces/IVerifier.sol";
import {TaskRecordLib} from "../libraries/TaskRecordLib.sol";
import {TaskStateLib} from "../libraries/TaskStateLib.sol";
import {TaskStatus} from "../types/Orders.sol";

/// @title ReplicatedVerifier
/// @notice Replicated commit-reveal: the verifier of `VerificationMode.Replicated` for tasks with several replicas.
/// @dev The market creates it and is the only party it trusts: the market hands it each seated record
/// (`onTaskOpened`), and it keeps that record's hash per client lane, so a commit or reveal checks its record with one
/// read here and never calls the market. Replica words are reused by every task in the lane, like the market's lane
/// words (see `TaskStateLib`). The one call out is `IComputeMarket.settle`, made once per task.
contract ReplicatedVerifier is IReplicatedVerifier {
    using TaskStateLib for uint256;
    using TaskRecordLib for bytes;

    IComputeMarket public immutable market;

    mapping(address client => mapping(uint32 lane => bytes32)) internal _heads;
    mapping(address client => mapping(uint32 lane => mapping(uint256 index => uint256))) internal _replicas;

    constructor() {
        market = IComputeMarket(msg.sender);
    }

    /// @inheritdoc IVerifier
    function onTaskOpened(bytes calldata record, bytes calldata) external {
        if (msg.sender != address(market)) revert ComputeNotMarket(msg.sender);
        _heads[record.client()][TaskStateLib.laneOf(record.nonce())] = keccak256(record);
    }

    /// @inheritdoc IReplicatedVerifier
    function commit(bytes calldata record, uint256 index, bytes32 commitment) external {
        (bytes32 taskId, uint256 seq) = _requireOpened(record);
        _requireReplicaProvider(record, index);
        uint64 commitDeadline = record.commitDeadline();
        if (block.timestamp > commitDeadline) revert ComputeCommitClosed(commitDeadline);
        mapping(uint256 => uint256) storage words = _replicaWords(record);
        if (words[index].replicaState(seq) != TaskStateLib.REPLICA_EMPTY) {
            revert ComputeAlreadyCommitted(msg.sender);
        }
        words[index] = TaskStateLib.committedWord(seq, commitment);
        emit ResultCommitted(taskId, msg.sender, commitment);
    }

    /// @inheritdoc IReplicatedVerifier
    function seatAndCommit(
        bytes calldata pendingRecord,
        bytes calldata content,
        uint256 index,
        bytes32 commitment
    ) external {
        uint64 commitDeadline = pendingRecord.commitDeadline();
        if (block.timestamp > commitDeadline) revert ComputeCommitClosed(commitDeadline);
        // The market checks the pending record against its lane and hands the seated one to `onTaskOpened` first.
        bytes memory seatedRecord = market.seat(pendingRecord, content);
        uint256 replicas = (seatedRecord.length - TaskRecordLib.HEAD_LENGTH) / TaskRecordLib.PROVIDER_LENGTH;
        if (index >= replicas || _providerAt(seatedRecord, index) != msg.sender) {
            revert ComputeNotAssigned(msg.sender, index);
        }
        address client = pendingRecord.client();
        uint64 nonce = pendingRecord.nonce();
        // A fresh task: every replica word of the lane belongs to an earlier sequence number.
        _replicas[client][TaskStateLib.laneOf(nonce)][index] =
            TaskStateLib.committedWord(TaskStateLib.seqOf(nonce), commitment);
        emit ResultCommitted(keccak256(abi.encode(client, nonce)), msg.sender, commitment);
    }

    /// @inheritdoc IReplicatedVerifier
    function reveal(bytes calldata record, uint256 index, bytes32 resultHash, uint64 fuelUsed, bytes32 salt)
        external
    {
        (bytes32 taskId, uint256 seq) = _requireOpened(record);
        _requireRevealable(record, fuelUsed);
        uint256 revealed = TaskStateLib.revealedWord(seq, resultHash, fuelUsed);
        (mapping(uint256 => uint256) storage slots, uint256[] memory words, bool complete) = _checkReveal(
            record,
            seq,
            index,
            keccak256(abi.encode(taskId, msg.sender, resultHash, fuelUsed, salt)),
            revealed
        );
        emit ResultRevealed(taskId, msg.sender, resultHash, fuelUsed);
        // The reveal that completes the set settles the task, unless this revealer dissents from a quorum
        // whose full result hash it cannot know; then `finalize` settles it, callable at once. A settled task's
        // replica words are never read again, so the settling reveal need not be stored.
        if (!complete || !_settle(record, seq, words, resultHash, false)) {
            slots[index] = revealed;
        }
    }

    /// @inheritdoc IReplicatedVerifier
    function revealLast(bytes calldata record, uint256 index, bytes32 resultHash, uint64 fuelUsed) external {
        (bytes32 taskId, uint256 seq) = _requireOpened(record);
        _requireRevealable(record, fuelUsed);
        uint64 commitDeadline = record.commitDeadline();
        if (block.timestamp > commitDeadline) revert ComputeCommitClosed(commitDeadline);
        uint256 replicas = _requireReplicaProvider(record, index);
        mapping(uint256 => uint256) storage slots = _replicaWords(record);
        uint256[] memory words = _loadReplicas(slots, replicas);
        if (words[index].replicaState(seq) != TaskStateLib.REPLICA_EMPTY) {
            revert ComputeAlreadyCommitted(msg.sender);
        }
        // While the commit window is open nobody reveals before all have committed, so the others are committed.
        (uint256 commits,) = _count(words, seq);
        if (commits + 1 != replicas) revert ComputeNotLastToCommit(msg.sender, commits, replicas);
        slots[index] = TaskStateLib.revealedWord(seq, resultHash, fuelUsed);
        emit ResultRevealed(taskId, msg.sender, resultHash, fuelUsed);
    }

    /// @inheritdoc IReplicatedVerifier
    function finalize(bytes calldata record, bytes32 resultHash) external {
        (bytes32 taskId, uint256 seq) = _requireOpened(record);
        uint256[] memory words = _loadReplicas(_replicaWords(record), record.providerCount());
        (bool settleable, bool spareCommitted) = _finalizable(record, words, seq);
        if (!settleable) revert ComputeTooEarly(taskId);
        if (!_settle(record, seq, words, resultHash, spareCommitted)) {
            revert ComputeResultHashMismatch(taskId);
        }
    }

    /// @inheritdoc IReplicatedVerifier
    function replicaWord(address client, uint32 lane, uint256 index) external view returns (uint256) {
        return _replicas[client][lane][index];
    }

    /// @dev Settles the task from its replica words. Returns false, changing nothing, when a quorum agrees on a
    /// result whose full hash is not `resultHash`. With `spareCommitted`, a replica that committed but has not
    /// revealed is not slashed (its reveal window is still open). The market refuses the settlement if the task was
    /// settled already (by `expire`), and then this call reverts with its error.
    function _settle(
        bytes calldata record,
        uint256 seq,
        uint256[] memory words,
        bytes32 resultHash,
        bool spareCommitted
    ) private returns (bool) {
        uint256 winner = _winner(words, seq, record.quorum());
        if (winner != 0 && !winner.matchesResult(resultHash)) return false;
        (uint256 paidMask, uint256 slashedMask) = _verdict(words, seq, winner, spareCommitted);
        market.settle(
            record,
            winner == 0
                ? IComputeMarket.Verdict(TaskStatus.Failed, 0, slashedMask, 0, bytes32(0))
                : IComputeMarket.Verdict(
                    TaskStatus.Finalized, paidMask, slashedMask, winner.revealedFuel(), resultHash
                )
        );
        return true;
    }

    /// @dev Reverts unless `record` is the record the market opened last in its lane; returns the task's id and its
    /// sequence number. A record the market has settled since still passes: the market refuses its settlement.
    function _requireOpened(bytes calldata record) private view returns (bytes32 taskId, uint256 seq) {
        address client = record.client();
        uint64 nonce = record.nonce();
        taskId = keccak256(abi.encode(client, nonce));
        if (_heads[client][TaskStateLib.laneOf(nonce)] != keccak256(record)) {
            revert ComputeRecordMismatch(taskId);
        }
        seq = TaskStateLib.seqOf(nonce);
    }

    /// @dev Provider `index` of a packed record in memory.
    function _providerAt(bytes memory record, uint256 index) private pure returns (address provider) {
        uint256 offset = TaskRecordLib.HEAD_LENGTH + TaskRecordLib.PROVIDER_LENGTH * index;
        assembly ("memory-safe") {
            provider := shr(96, mload(add(add(record, 0x20), offset)))
        }
    }

    /// @dev Reverts unless the caller is replica `index`; returns the replica count.
    function _requireReplicaProvider(bytes calldata record, uint256 index)
        private
        view
        returns (uint256 replicas)
    {
        replicas = record.providerCount();
        if (index >= replicas || record.provider(index) != msg.sender) {
            revert ComputeNotAssigned(msg.sender, index);
        }
    }

    function _requireRevealable(bytes calldata record, uint64 fuelUsed) private view {
        uint64 revealDeadline = record.revealDeadline();
        if (block.timestamp > revealDeadline) revert ComputeRevealClosed(revealDeadline);
        uint64 maxFuel = record.maxFuel();
        if (fuelUsed > maxFuel) revert ComputeFuelAboveLimit(fuelUsed, maxFuel);
    }

    /// @dev Checks the caller's reveal against its commitment. Returns the task's replica slots, its replica words
    /// with this reveal in them, and whether it completes the set.
    function _checkReveal(
        bytes calldata record,
        uint256 seq,
        uint256 index,
        bytes32 commitment,
        uint256 revealed
    )
        private
        view
        returns (mapping(uint256 => uint256) storage slots, uint256[] memory words, bool complete)
    {
        uint256 replicas = _requireReplicaProvider(record, index);
        slots = _replicaWords(record);
        words = _loadReplicas(slots, replicas);
        (uint256 commits, uint256 reveals) = _count(words, seq);
        bool commitClosed = block.timestamp > record.commitDeadline();
        if (commits < replicas && !commitClosed) revert ComputeRevealNotOpen();
        uint256 own = words[index];
        if (own.replicaState(seq) != TaskStateLib.REPLICA_COMMITTED) revert ComputeNotCommitted(msg.sender);
        if (TaskStateLib.committedWord(seq, commitment) != own) revert ComputeCommitmentMismatch(msg.sender);
        words[index] = revealed;
        complete = reveals + 1 == commits && (commits == replicas || commitClosed);
    }

    /// @dev Whether the task can be settled now, and whether its committed replicas must be spared: settling early
    /// because no quorum can form any more must not cost a provider that committed on time its reveal window, so
    /// only those that never committed are slashed then.
    function _finalizable(bytes calldata record, uint256[] memory words, uint256 seq)
        private
        view
        returns (bool settleable, bool spareCommitted)
    {
        bool commitClosed = block.timestamp > record.commitDeadline();
        (uint256 commits, uint256 reveals) = _count(words, seq);
        bool complete = reveals == commits && (commits == words.length || commitClosed);
        bool revealOpen = block.timestamp <= record.revealDeadline();
        bool quorumImpossible = commitClosed && commits < record.quorum();
        settleable = complete || quorumImpossible || !revealOpen;
        spareCommitted = !complete && revealOpen;
    }

    function _replicaWords(bytes calldata record) private view returns (mapping(uint256 => uint256) storage) {
        return _replicas[record.client()][TaskStateLib.laneOf(record.nonce())];
    }

    function _loadReplicas(mapping(uint256 => uint256) storage slots, uint256 replicas)
        private
        view
        returns (uint256[] memory words)
    {
        words = new uint256[](replicas);
        for (uint256 i = 0; i < replicas; ++i) {
            words[i] = slots[i];
        }
    }

    /// @dev The revealed word a quorum agrees on, or zero. A quorum is more than half of the replicas, so at most one
    /// result can reach it. Words carry the sequence number, so equal words are revealed results of this task.
    function _winner(uint256[] memory words, uint256 seq, uint256 quorum)
        private
        pure
        returns (uint256 winner)
    {
        for (uint256 i = 0; i < words.length; ++i) {
            uint256 candidate = words[i];
            if (candidate.replicaState(seq) != TaskStateLib.REPLICA_REVEALED) continue;
            uint256 votes;
            for (uint256 j = 0; j < words.length; ++j) {
                if (words[j] == candidate) ++votes;
            }
            if (votes >= quorum) return candidate;
        }
    }

    /// @dev Who is paid and who is slashed: with a winner, those that revealed it are paid and everyone else is
    /// slashed; without one, nobody is paid and those that did not reveal (nor, when spared, commit) are slashed.
    function _verdict(uint256[] memory words, uint256 seq, uint256 winner, bool spareCommitted)
        private
        pure
        returns (uint256 paidMask, uint256 slashedMask)
    {
        for (uint256 i = 0; i < words.length; ++i) {
            uint256 state = words[i].replicaState(seq);
            bool agrees = winner == 0
                ? state == TaskStateLib.REPLICA_REVEALED
                    || (spareCommitted && state == TaskStateLib.REPLICA_COMMITTED)
                : words[i] == winner;
            if (!agrees) slashedMask |= 1 << i;
            else if (winner != 0) paidMask |= 1 << i;
        }
    }

    /// @dev How many replicas of the task with sequence `seq` have committed (or revealed), and revealed.
    function _count(uint256[] memory words, uint256 seq)
        private
        pure
        returns (uint256 commits, uint256 reveals)
    {
        for (uint256 i = 0; i < words.length; ++i) {
            uint256 state = words[i].replicaState(seq);
            if (state != TaskStateLib.REPLICA_EMPTY) ++commits;
            if (state == TaskStateLib.REPLICA_REVEALED) ++reveals;
        }
    }
}
