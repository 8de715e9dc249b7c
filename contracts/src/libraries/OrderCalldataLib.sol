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

    // Field offsets in a bid; its CIDs follow its head.
    uint256 private constant BID_TOKEN = 20;
    uint256 private constant BID_MAX_FUEL = 40;
    uint256 private constant BID_MAX_PRICE = 48;
    uint256 private constant BID_REPLICAS = 80;
    uint256 private constant BID_QUORUM = 81;
    uint256 private constant BID_MODE = 82;
    uint256 private constant BID_DEADLINE = 83;
    uint256 private constant BID_NONCE = 91;
    uint256 private constant BID_ENCRYPTION_KEY = 99;
    // Field offsets in an ask.
    uint256 private constant ASK_PRICE = 20;
    uint256 private constant ASK_RESOURCES = 52;
    uint256 private constant ASK_MODES = 84;
    uint256 private constant ASK_VOLUME = 88;
    uint256 private constant ASK_EXPIRY = 92;
    uint256 private constant ASK_NONCE = 100;

    /// @notice Where the orders start (their bid) and end, as absolute calldata positions.
    function bounds(bytes calldata orders) internal pure returns (uint256 bid, uint256 end) {
        assembly ("memory-safe") {
            bid := orders.offset
            end := add(orders.offset, orders.length)
        }
    }

    function client(uint256 bid) internal pure returns (address value) {
        assembly ("memory-safe") {
            value := shr(96, calldataload(bid))
        }
    }

    function token(uint256 bid) internal pure returns (address value) {
        assembly ("memory-safe") {
            value := shr(96, calldataload(add(bid, BID_TOKEN)))
        }
    }

    function maxFuel(uint256 bid) internal pure returns (uint64 value) {
        assembly ("memory-safe") {
            value := shr(192, calldataload(add(bid, BID_MAX_FUEL)))
        }
    }

    function maxPricePerFuel(uint256 bid) internal pure returns (uint256 value) {
        assembly ("memory-safe") {
            value := calldataload(add(bid, BID_MAX_PRICE))
        }
    }

    function replicas(uint256 bid) internal pure returns (uint8 value) {
        assembly ("memory-safe") {
            value := shr(248, calldataload(add(bid, BID_REPLICAS)))
        }
    }

    function quorum(uint256 bid) internal pure returns (uint8 value) {
        assembly ("memory-safe") {
            value := shr(248, calldataload(add(bid, BID_QUORUM)))
        }
    }

    function mode(uint256 bid) internal pure returns (uint8 value) {
        assembly ("memory-safe") {
            value := shr(248, calldataload(add(bid, BID_MODE)))
        }
    }

    function deadline(uint256 bid) internal pure returns (uint64 value) {
        assembly ("memory-safe") {
            value := shr(192, calldataload(add(bid, BID_DEADLINE)))
        }
    }

    function nonce(uint256 bid) internal pure returns (uint64 value) {
        assembly ("memory-safe") {
            value := shr(192, calldataload(add(bid, BID_NONCE)))
        }
    }

    function encryptionKey(uint256 bid) internal pure returns (bytes32 value) {
        assembly ("memory-safe") {
            value := calldataload(add(bid, BID_ENCRYPTION_KEY))
        }
    }

    /// @notice The bid's content as it is packed: its encryption key, then its app and input CIDs, each after a
    /// one-byte length.
    function content(uint256 bid) internal pure returns (bytes calldata value) {
        (,,,, uint256 end) = cids(bid);
        assembly ("memory-safe") {
            value.offset := add(bid, BID_ENCRYPTION_KEY)
            value.length := sub(end, value.offset)
        }
    }

    /// @notice The bid's app and input CIDs (offset and length of each) and where its signature starts.
    function cids(uint256 bid)
        internal
        pure
        returns (uint256 appCid, uint256 appCidLength, uint256 inputCid, uint256 inputCidLength, uint256 end)
    {
        assembly ("memory-safe") {
            appCidLength := shr(248, calldataload(add(bid, BID_HEAD_LENGTH)))
            appCid := add(bid, add(BID_HEAD_LENGTH, 1))
            inputCidLength := shr(248, calldataload(add(appCid, appCidLength)))
            inputCid := add(add(appCid, appCidLength), 1)
            end := add(inputCid, inputCidLength)
        }
    }

    /// @notice The EIP-712 struct hash of the bid, as `OrderHashLib.hashBid` of the same `Bid` with `matcher` in
    /// its `matcher` field (which the packed form does not carry).
    function bidStructHash(
        uint256 bid,
        uint256 appCid,
        uint256 appCidLength,
        uint256 inputCid,
        uint256 inputCidLength,
        address matcher
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
            mstore(add(ptr, 0x40), shr(96, calldataload(add(bid, BID_TOKEN))))
            mstore(add(ptr, 0x60), appHash)
            mstore(add(ptr, 0x80), inputHash)
            mstore(add(ptr, 0xa0), shr(192, calldataload(add(bid, BID_MAX_FUEL))))
            mstore(add(ptr, 0xc0), calldataload(add(bid, BID_MAX_PRICE)))
            mstore(add(ptr, 0xe0), shr(248, calldataload(add(bid, BID_REPLICAS))))
            mstore(add(ptr, 0x100), shr(248, calldataload(add(bid, BID_QUORUM))))
            mstore(add(ptr, 0x120), shr(248, calldataload(add(bid, BID_MODE))))
            mstore(add(ptr, 0x140), shr(192, calldataload(add(bid, BID_DEADLINE))))
            mstore(add(ptr, 0x160), shr(192, calldataload(add(bid, BID_NONCE))))
            mstore(add(ptr, 0x180), calldataload(add(bid, BID_ENCRYPTION_KEY)))
            mstore(add(ptr, 0x1a0), matcher)
            structHash := keccak256(ptr, 0x1c0)
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
            value := calldataload(add(ask, ASK_PRICE))
        }
    }

    function askModes(uint256 ask) internal pure returns (uint32 value) {
        assembly ("memory-safe") {
            value := shr(224, calldataload(add(ask, ASK_MODES)))
        }
    }

    function askVolume(uint256 ask) internal pure returns (uint32 value) {
        assembly ("memory-safe") {
            value := shr(224, calldataload(add(ask, ASK_VOLUME)))
        }
    }

    function askExpiry(uint256 ask) internal pure returns (uint64 value) {
        assembly ("memory-safe") {
            value := shr(192, calldataload(add(ask, ASK_EXPIRY)))
        }
    }

    function askNonce(uint256 ask) internal pure returns (uint64 value) {
        assembly ("memory-safe") {
            value := shr(192, calldataload(add(ask, ASK_NONCE)))
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
            mstore(add(ptr, 0x60), calldataload(add(ask, ASK_PRICE)))
            mstore(add(ptr, 0x80), calldataload(add(ask, ASK_RESOURCES)))
            mstore(add(ptr, 0xa0), shr(224, calldataload(add(ask, ASK_MODES))))
            mstore(add(ptr, 0xc0), shr(224, calldataload(add(ask, ASK_VOLUME))))
            mstore(add(ptr, 0xe0), shr(192, calldataload(add(ask, ASK_EXPIRY))))
            mstore(add(ptr, 0x100), shr(192, calldataload(add(ask, ASK_NONCE))))
            structHash := keccak256(ptr, 0x120)
        }
    }
}
