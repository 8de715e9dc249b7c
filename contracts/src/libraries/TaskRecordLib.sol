// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Task} from "../types/Orders.sol";

/// @notice The packed encoding of a task record, and reads of its fields straight from calldata.
/// @dev Layout (big-endian, no padding): client 20 | nonce 8 | token 20 | matcher 20 | pricePerFuel 16 |
/// maxFuel 8 | quorum 1 | protocolFeeBps 2 | matcherFeeBps 2 | commitDeadline 8 | revealDeadline 8 | previous 23
/// | mode 1 | providers 20 each. A three-replica record is 197 bytes against 512 ABI-encoded, and every commit,
/// reveal and settlement carries it.
/// A task with several replicas is matched before its seats are drawn; until then its record ends, in place of
/// providers, with a pending tail: replicas 1 | draw block 8 | pool size 4 | content hash 32. The tail is 45 bytes,
/// which no whole number of providers is, so `isSeated` tells the two forms apart.
/// The readers do not check the length: callers first compare the record's hash with the stored one, and only records
/// the market itself encoded were ever stored.
library TaskRecordLib {
    uint256 internal constant HEAD_LENGTH = 137;
    uint256 internal constant PROVIDER_LENGTH = 20;
    uint256 internal constant PENDING_TAIL_LENGTH = 45;

    /// @notice The packed record of `task`.
    function encode(Task memory task) internal pure returns (bytes memory record) {
        address[] memory providers = task.providers;
        record = new bytes(HEAD_LENGTH + PROVIDER_LENGTH * providers.length);
        // Each field is stored left-aligned at its offset, in order, so every store's trailing bytes are
        // overwritten by the next field; the providers' last store leaves the padding after the record zero.
        // Task fields are clean (the compiler masks what it writes into a memory struct).
        assembly ("memory-safe") {
            let out := add(record, 0x20)
            mstore(out, shl(96, mload(task)))
            mstore(add(out, 20), shl(192, mload(add(task, 0x20))))
            mstore(add(out, 28), shl(96, mload(add(task, 0x40))))
            mstore(add(out, 48), shl(96, mload(add(task, 0x60))))
            mstore(add(out, 68), shl(128, mload(add(task, 0x80))))
            mstore(add(out, 84), shl(192, mload(add(task, 0xa0))))
            mstore(add(out, 92), shl(248, mload(add(task, 0xc0))))
            mstore(add(out, 93), shl(240, mload(add(task, 0xe0))))
            mstore(add(out, 95), shl(240, mload(add(task, 0x100))))
            mstore(add(out, 97), shl(192, mload(add(task, 0x120))))
            mstore(add(out, 105), shl(192, mload(add(task, 0x140))))
            mstore(add(out, 113), mload(add(task, 0x160)))
            mstore(add(out, 136), shl(248, mload(add(task, 0x180))))
            out := add(out, HEAD_LENGTH)
            for { let i := 0 } lt(i, mload(providers)) { i := add(i, 1) } {
                mstore(
                    add(out, mul(i, PROVIDER_LENGTH)),
                    shl(96, mload(add(providers, mul(add(i, 1), 0x20))))
                )
            }
        }
    }

    /// @notice `record` (a pending one) at `price` per fuel, with its pending tail replaced by `providers`.
    function seated(bytes calldata record, address[] memory providers, uint256 price)
        internal
        pure
        returns (bytes memory out)
    {
        out = new bytes(HEAD_LENGTH + PROVIDER_LENGTH * providers.length);
        assembly ("memory-safe") {
            let ptr := add(out, 0x20)
            calldatacopy(ptr, record.offset, HEAD_LENGTH)
            // The price is the 16 bytes at 68; the 16 after it are kept.
            let priceAt := add(ptr, 68)
            mstore(priceAt, or(shl(128, price), and(mload(priceAt), 0xffffffffffffffffffffffffffffffff)))
            let end := add(ptr, HEAD_LENGTH)
            for { let i := 0 } lt(i, mload(providers)) { i := add(i, 1) } {
                mstore(
                    add(end, mul(i, PROVIDER_LENGTH)),
                    shl(96, mload(add(providers, mul(add(i, 1), 0x20))))
                )
            }
        }
    }

    /// @notice The 184-bit hash the market stores for a record. Forging a record needs a second preimage
    /// (2^184 work); two records of one colliding pair, 2^92.
    function hash(bytes memory record) internal pure returns (bytes23) {
        return bytes23(keccak256(record));
    }

    /// @notice `hash` of a record in calldata.
    function hashCalldata(bytes calldata record) internal pure returns (bytes23 recordHash) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, record.offset, record.length)
            recordHash := and(keccak256(ptr, record.length), shl(72, not(0)))
        }
    }

    function client(bytes calldata record) internal pure returns (address value) {
        assembly ("memory-safe") {
            value := shr(96, calldataload(record.offset))
        }
    }

    function nonce(bytes calldata record) internal pure returns (uint64 value) {
        assembly ("memory-safe") {
            value := shr(192, calldataload(add(record.offset, 20)))
        }
    }

    function token(bytes calldata record) internal pure returns (address value) {
        assembly ("memory-safe") {
            value := shr(96, calldataload(add(record.offset, 28)))
        }
    }

    function matcher(bytes calldata record) internal pure returns (address value) {
        assembly ("memory-safe") {
            value := shr(96, calldataload(add(record.offset, 48)))
        }
    }

    function pricePerFuel(bytes calldata record) internal pure returns (uint256 value) {
        assembly ("memory-safe") {
            value := shr(128, calldataload(add(record.offset, 68)))
        }
    }

    function maxFuel(bytes calldata record) internal pure returns (uint64 value) {
        assembly ("memory-safe") {
            value := shr(192, calldataload(add(record.offset, 84)))
        }
    }

    function quorum(bytes calldata record) internal pure returns (uint256 value) {
        assembly ("memory-safe") {
            value := shr(248, calldataload(add(record.offset, 92)))
        }
    }

    function protocolFeeBps(bytes calldata record) internal pure returns (uint256 value) {
        assembly ("memory-safe") {
            value := shr(240, calldataload(add(record.offset, 93)))
        }
    }

    function matcherFeeBps(bytes calldata record) internal pure returns (uint256 value) {
        assembly ("memory-safe") {
            value := shr(240, calldataload(add(record.offset, 95)))
        }
    }

    function commitDeadline(bytes calldata record) internal pure returns (uint64 value) {
        assembly ("memory-safe") {
            value := shr(192, calldataload(add(record.offset, 97)))
        }
    }

    function revealDeadline(bytes calldata record) internal pure returns (uint64 value) {
        assembly ("memory-safe") {
            value := shr(192, calldataload(add(record.offset, 105)))
        }
    }

    function previous(bytes calldata record) internal pure returns (bytes23 value) {
        assembly ("memory-safe") {
            value := and(calldataload(add(record.offset, 113)), shl(72, not(0)))
        }
    }

    /// @notice The task's verification mode (`VerificationMode`): whose verifier settles it.
    function mode(bytes calldata record) internal pure returns (uint8 value) {
        assembly ("memory-safe") {
            value := shr(248, calldataload(add(record.offset, 136)))
        }
    }

    /// @notice Whether the record names its providers (false while its seats are still to be drawn).
    function isSeated(bytes calldata record) internal pure returns (bool) {
        return (record.length - HEAD_LENGTH) % PROVIDER_LENGTH == 0;
    }

    /// @notice A pending record's replica count.
    function pendingReplicas(bytes calldata record) internal pure returns (uint256 value) {
        assembly ("memory-safe") {
            value := shr(248, calldataload(add(record.offset, HEAD_LENGTH)))
        }
    }

    /// @notice The block whose hash seeds a pending record's draw: the block it was matched in.
    function drawBlock(bytes calldata record) internal pure returns (uint256 value) {
        assembly ("memory-safe") {
            value := shr(192, calldataload(add(record.offset, add(HEAD_LENGTH, 1))))
        }
    }

    /// @notice How many pool slots existed when a pending record was matched.
    function poolSize(bytes calldata record) internal pure returns (uint256 value) {
        assembly ("memory-safe") {
            value := shr(224, calldataload(add(record.offset, add(HEAD_LENGTH, 9))))
        }
    }

    /// @notice The hash of the bid content `TaskMatched` will carry for a pending record.
    function contentHash(bytes calldata record) internal pure returns (bytes32 value) {
        assembly ("memory-safe") {
            value := calldataload(add(record.offset, add(HEAD_LENGTH, 13)))
        }
    }

    function providerCount(bytes calldata record) internal pure returns (uint256) {
        return (record.length - HEAD_LENGTH) / PROVIDER_LENGTH;
    }

    function provider(bytes calldata record, uint256 index) internal pure returns (address value) {
        assembly ("memory-safe") {
            value := shr(96, calldataload(add(record.offset, add(HEAD_LENGTH, mul(index, PROVIDER_LENGTH)))))
        }
    }
}
