// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {OrderHashLib} from "./OrderHashLib.sol";

/// @notice The packed calldata of a match: one bid and one ask per replica, each followed by its signature, and
/// reads of their fields straight from calldata.
/// @dev Layout (big-endian, no padding):
/// bid: client 20 | token 20 | maxFuel 8 | maxPricePerFuel 32 | replicas 1 | quorum 1 | mode 1 | deadline 8 |
/// nonce 8 | encryptionKey 32 | appCid length 1 | appCid | inputCid length 1 | inputCid | signature length 2 |
/// signature;
/// then per replica, an ask: provider 20 | pricePerFuel 32 | resources 32 | modes 4 | volume 4 | expiry 8 |
/// nonce 8 | signature length 2 | signature. An ask's token is the bid's: a provider who signed another token
/// signed another digest, so its signature fails.
/// The orders are the EIP-712 `Bid` and `Ask` of `Orders.sol`, signed as such; only their wire form is packed,
/// which halves a one-replica match's calldata against the ABI encoding (no padding, no offsets).
/// Offsets below are absolute calldata positions. Readers past the end read zeros; `end` must equal the end of
/// the orders, which `_match` checks before anything is stored.
library OrderCalldataLib {
    uint256 internal constant BID_HEAD_LENGTH = 131;
    uint256 internal constant ASK_HEAD_LENGTH = 108;

    function client(uint256 bid) internal pure returns (address value) {
        assembly ("memory-safe") {
            value := shr(96, calldataload(bid))
        }
    }

    function token(uint256 bid) internal pure returns (address value) {
        assembly ("memory-safe") {
            value := shr(96, calldataload(add(bid, 20)))
        }
    }

    function maxFuel(uint256 bid) internal pure returns (uint64 value) {
        assembly ("memory-safe") {
            value := shr(192, calldataload(add(bid, 40)))
        }
    }

    function maxPricePerFuel(uint256 bid) internal pure returns (uint256 value) {
        assembly ("memory-safe") {
            value := calldataload(add(bid, 48))
        }
    }

    function replicas(uint256 bid) internal pure returns (uint8 value) {
        assembly ("memory-safe") {
            value := shr(248, calldataload(add(bid, 80)))
        }
    }

    function quorum(uint256 bid) internal pure returns (uint8 value) {
        assembly ("memory-safe") {
            value := shr(248, calldataload(add(bid, 81)))
        }
    }

    function mode(uint256 bid) internal pure returns (uint8 value) {
        assembly ("memory-safe") {
            value := shr(248, calldataload(add(bid, 82)))
        }
    }

    function deadline(uint256 bid) internal pure returns (uint64 value) {
        assembly ("memory-safe") {
            value := shr(192, calldataload(add(bid, 83)))
        }
    }

    function nonce(uint256 bid) internal pure returns (uint64 value) {
        assembly ("memory-safe") {
            value := shr(192, calldataload(add(bid, 91)))
        }
    }

    function encryptionKey(uint256 bid) internal pure returns (bytes32 value) {
        assembly ("memory-safe") {
            value := calldataload(add(bid, 99))
        }
    }

    /// @notice The bid's app and input CIDs (offset and length of each) and where its signature starts.
    function cids(uint256 bid)
        internal
        pure
        returns (uint256 appCid, uint256 appCidLength, uint256 inputCid, uint256 inputCidLength, uint256 end)
    {
        assembly ("memory-safe") {
            appCidLength := shr(248, calldataload(add(bid, 131)))
            appCid := add(bid, 132)
            inputCidLength := shr(248, calldataload(add(appCid, appCidLength)))
            inputCid := add(add(appCid, appCidLength), 1)
            end := add(inputCid, inputCidLength)
        }
    }

    /// @notice The EIP-712 struct hash of the bid, as `OrderHashLib.hashBid` of the same `Bid`.
    function bidStructHash(
        uint256 bid,
        uint256 appCid,
        uint256 appCidLength,
        uint256 inputCid,
        uint256 inputCidLength
    ) internal pure returns (bytes32 structHash) {
        bytes32 typeHash = OrderHashLib.BID_TYPEHASH;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, appCid, appCidLength)
            let appHash := keccak256(ptr, appCidLength)
            calldatacopy(ptr, inputCid, inputCidLength)
            let inputHash := keccak256(ptr, inputCidLength)
            mstore(ptr, typeHash)
            mstore(add(ptr, 0x20), shr(96, calldataload(bid)))
            mstore(add(ptr, 0x40), shr(96, calldataload(add(bid, 20))))
            mstore(add(ptr, 0x60), appHash)
            mstore(add(ptr, 0x80), inputHash)
            mstore(add(ptr, 0xa0), shr(192, calldataload(add(bid, 40))))
            mstore(add(ptr, 0xc0), calldataload(add(bid, 48)))
            mstore(add(ptr, 0xe0), shr(248, calldataload(add(bid, 80))))
            mstore(add(ptr, 0x100), shr(248, calldataload(add(bid, 81))))
            mstore(add(ptr, 0x120), shr(248, calldataload(add(bid, 82))))
            mstore(add(ptr, 0x140), shr(192, calldataload(add(bid, 83))))
            mstore(add(ptr, 0x160), shr(192, calldataload(add(bid, 91))))
            mstore(add(ptr, 0x180), calldataload(add(bid, 99)))
            structHash := keccak256(ptr, 0x1a0)
        }
    }

    /// @notice A signature at `at`: its offset, its length, and where the next order starts.
    function signature(uint256 at) internal pure returns (uint256 offset, uint256 length, uint256 next) {
        assembly ("memory-safe") {
            length := shr(240, calldataload(at))
            offset := add(at, 2)
            next := add(offset, length)
        }
    }

    function askProvider(uint256 ask) internal pure returns (address value) {
        assembly ("memory-safe") {
            value := shr(96, calldataload(ask))
        }
    }

    function askPricePerFuel(uint256 ask) internal pure returns (uint256 value) {
        assembly ("memory-safe") {
            value := calldataload(add(ask, 20))
        }
    }

    function askModes(uint256 ask) internal pure returns (uint32 value) {
        assembly ("memory-safe") {
            value := shr(224, calldataload(add(ask, 84)))
        }
    }

    function askVolume(uint256 ask) internal pure returns (uint32 value) {
        assembly ("memory-safe") {
            value := shr(224, calldataload(add(ask, 88)))
        }
    }

    function askExpiry(uint256 ask) internal pure returns (uint64 value) {
        assembly ("memory-safe") {
            value := shr(192, calldataload(add(ask, 92)))
        }
    }

    function askNonce(uint256 ask) internal pure returns (uint64 value) {
        assembly ("memory-safe") {
            value := shr(192, calldataload(add(ask, 100)))
        }
    }

    /// @notice The EIP-712 struct hash of the ask with the bid's token, as `OrderHashLib.hashAsk`.
    function askStructHash(uint256 ask, address token_) internal pure returns (bytes32 structHash) {
        bytes32 typeHash = OrderHashLib.ASK_TYPEHASH;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            mstore(add(ptr, 0x20), shr(96, calldataload(ask)))
            mstore(add(ptr, 0x40), token_)
            mstore(add(ptr, 0x60), calldataload(add(ask, 20)))
            mstore(add(ptr, 0x80), calldataload(add(ask, 52)))
            mstore(add(ptr, 0xa0), shr(224, calldataload(add(ask, 84))))
            mstore(add(ptr, 0xc0), shr(224, calldataload(add(ask, 88))))
            mstore(add(ptr, 0xe0), shr(192, calldataload(add(ask, 92))))
            mstore(add(ptr, 0x100), shr(192, calldataload(add(ask, 100))))
            structHash := keccak256(ptr, 0x120)
        }
    }
}
