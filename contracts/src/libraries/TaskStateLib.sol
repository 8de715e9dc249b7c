// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TaskStatus} from "../types/Orders.sol";

/// @notice The storage words of the compute market.
/// @dev A client's tasks run in lanes: a bid's nonce names a lane (high 32 bits) and a sequence number in it
/// (low 32). A lane keeps one word, reused by every task in it: after the first task, opening a task rewrites a
/// non-zero word (5,000 gas) instead of filling a fresh one (22,100). A lane holds one open task at a time and
/// its sequence only grows, which is also the bid's replay protection.
/// Lane word (low to high bits): status 8 | seq 32 | floor 32 | head 184. `seq` is the current or last task's
/// sequence; `floor` the lowest sequence a new bid may use; `head` the hash of the open task's record, or, once
/// settled, of its settlement (`settlementHead`); each record carries the head before it, so the lane is a hash
/// chain and a settled task stays provable after the lane moves on.
/// Replica word, one per (lane, replica index), also reused: state 8 | seq 32 | payload 216, where a word counts
/// only while its seq is the lane's. Committed: the commitment's leading 216 bits. Revealed: fuelUsed 64 | the
/// leading 152 bits of keccak256(resultHash), so two revealed words are equal exactly when the full 256-bit
/// results (and fuel) agree, and only the revealed hash itself settles the task: any other hash, even one that
/// differs in a single bit, has an unrelated digest, and one with the same digest needs a second preimage of
/// 152-bit keccak (2^152 work).
library TaskStateLib {
    uint256 internal constant REPLICA_EMPTY = 0;
    uint256 internal constant REPLICA_COMMITTED = 1;
    uint256 internal constant REPLICA_REVEALED = 2;

    function packLane(TaskStatus status_, uint256 seq_, uint256 floor_, bytes23 head_)
        internal
        pure
        returns (uint256)
    {
        return uint256(status_) | (seq_ << 8) | (floor_ << 40) | (uint256(uint184(head_)) << 72);
    }

    function status(uint256 lane) internal pure returns (TaskStatus) {
        return TaskStatus(uint8(lane));
    }

    function seq(uint256 lane) internal pure returns (uint32) {
        return uint32(lane >> 8);
    }

    function floor(uint256 lane) internal pure returns (uint32) {
        return uint32(lane >> 40);
    }

    function head(uint256 lane) internal pure returns (bytes23) {
        return bytes23(uint184(lane >> 72));
    }

    /// @notice The lane word with a new floor, everything else kept.
    function withFloor(uint256 lane, uint256 floor_) internal pure returns (uint256) {
        return (lane & ~(uint256(type(uint32).max) << 40)) | (floor_ << 40);
    }

    /// @notice The one-word settlement `TaskSettled` carries. Fits: masks index at most MAX_REPLICAS (16)
    /// providers, and `charged` is part of an escrow balance, which the escrow caps at type(uint128).max.
    function packSettlement(
        TaskStatus status_,
        uint64 fuelUsed,
        uint256 paidMask,
        uint256 slashedMask,
        uint256 charged
    ) internal pure returns (uint256) {
        return (uint256(status_) << 224) | (uint256(fuelUsed) << 160) | (paidMask << 144)
            | (slashedMask << 128) | charged;
    }

    /// @notice The head after a task settles: binds its record to the outcome, who was paid and what the client
    /// was charged, which is what its review right is weighed by.
    function settlementHead(bytes23 recordHash, TaskStatus status_, uint256 paidMask, uint256 charged)
        internal
        pure
        returns (bytes23)
    {
        return bytes23(keccak256(abi.encode(recordHash, status_, paidMask, charged)));
    }

    function laneOf(uint64 nonce) internal pure returns (uint32) {
        return uint32(nonce >> 32);
    }

    function seqOf(uint64 nonce) internal pure returns (uint32) {
        return uint32(nonce);
    }

    function committedWord(uint256 seq_, bytes32 commitment) internal pure returns (uint256) {
        return ((uint256(commitment) >> 40) << 40) | (seq_ << 8) | REPLICA_COMMITTED;
    }

    function revealedWord(uint256 seq_, bytes32 resultHash, uint64 fuelUsed) internal pure returns (uint256) {
        return ((uint256(_digest(resultHash)) >> 104) << 104) | (uint256(fuelUsed) << 40) | (seq_ << 8)
            | REPLICA_REVEALED;
    }

    /// @notice The replica's state for the task with sequence `seq_`: a word left by an earlier task is empty.
    function replicaState(uint256 word, uint256 seq_) internal pure returns (uint256) {
        return uint32(word >> 8) == seq_ ? word & 0xff : REPLICA_EMPTY;
    }

    function revealedFuel(uint256 word) internal pure returns (uint64) {
        return uint64(word >> 40);
    }

    /// @notice Whether `resultHash` is the full hash that was revealed into `word`.
    function matchesResult(uint256 word, bytes32 resultHash) internal pure returns (bool) {
        return (word >> 104) == (uint256(_digest(resultHash)) >> 104);
    }

    function _digest(bytes32 resultHash) private pure returns (bytes32 digest) {
        assembly ("memory-safe") {
            mstore(0x00, resultHash)
            digest := keccak256(0x00, 0x20)
        }
    }
}
