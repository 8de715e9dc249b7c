// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TaskStatus} from "../types/Orders.sol";

/// @notice The one storage word a task keeps, and the word each replica keeps while it commits and reveals.
/// Task word (low to high bits): status 8 | commits 8 | reveals 8 | reviewed 8 | unused 32 | recordHash 192.
/// Replica word: state 8 in the low byte; committed: the commitment's leading 248 bits above it; revealed:
/// fuelUsed 64 | the result hash's leading 184 bits. Two revealed words are equal exactly when the results
/// agree (a different result with the same leading 184 bits needs a second preimage of SHA-256).
library TaskStateLib {
    uint256 internal constant REPLICA_COMMITTED = 1;
    uint256 internal constant REPLICA_REVEALED = 2;

    function pack(TaskStatus status_, uint256 commits_, uint256 reveals_, bool reviewed_, bytes24 recordHash_)
        internal
        pure
        returns (uint256)
    {
        return uint256(status_) | (commits_ << 8) | (reveals_ << 16) | (reviewed_ ? 1 << 24 : 0)
            | (uint256(uint192(recordHash_)) << 64);
    }

    function status(uint256 word) internal pure returns (TaskStatus) {
        return TaskStatus(uint8(word));
    }

    function commits(uint256 word) internal pure returns (uint256) {
        return uint8(word >> 8);
    }

    function reveals(uint256 word) internal pure returns (uint256) {
        return uint8(word >> 16);
    }

    function reviewed(uint256 word) internal pure returns (bool) {
        return uint8(word >> 24) != 0;
    }

    function recordHash(uint256 word) internal pure returns (bytes24) {
        return bytes24(uint192(word >> 64));
    }

    function committedWord(bytes32 commitment) internal pure returns (uint256) {
        return (uint256(commitment) & ~uint256(0xff)) | REPLICA_COMMITTED;
    }

    function revealedWord(bytes32 resultHash, uint64 fuelUsed) internal pure returns (uint256) {
        return ((uint256(resultHash) >> 72) << 72) | (uint256(fuelUsed) << 8) | REPLICA_REVEALED;
    }

    function replicaState(uint256 word) internal pure returns (uint256) {
        return word & 0xff;
    }

    function revealedFuel(uint256 word) internal pure returns (uint64) {
        return uint64(word >> 8);
    }

    /// @notice Whether `resultHash` is the full hash behind a revealed word's leading bits.
    function matchesResult(uint256 word, bytes32 resultHash) internal pure returns (bool) {
        return (word >> 72) == (uint256(resultHash) >> 72);
    }
}
