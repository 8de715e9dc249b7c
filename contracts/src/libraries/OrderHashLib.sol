// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ask, Bid} from "../types/Orders.sol";

/// @notice EIP-712 struct hashes of orders.
library OrderHashLib {
    bytes32 internal constant ASK_TYPEHASH = keccak256(
        // solhint-disable-next-line max-line-length
        "Ask(address provider,address token,uint256 pricePerFuel,uint256 resources,uint32 modes,uint32 volume,uint64 expiry,uint64 nonce)"
    );

    bytes32 internal constant BID_TYPEHASH = keccak256(
        // solhint-disable-next-line max-line-length
        "Bid(address client,address token,bytes appCid,bytes inputCid,uint64 maxFuel,uint256 maxPricePerFuel,uint8 replicas,uint8 quorum,uint8 mode,uint64 deadline,uint64 nonce,bytes32 encryptionKey,address matcher)"
    );

    /// @dev `Ask` has only static fields, so its calldata is exactly the 8 words EIP-712 encodes; copying them
    /// saves the per-field decoding `abi.encode` would do. Dirty high bits cannot help an attacker: they change
    /// the digest, so the signature no longer verifies.
    function hashAsk(Ask calldata ask) internal pure returns (bytes32 structHash) {
        bytes32 typeHash = ASK_TYPEHASH;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            calldatacopy(add(ptr, 0x20), ask, 0x100)
            structHash := keccak256(ptr, 0x120)
        }
    }

    function hashBid(Bid calldata bid) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                BID_TYPEHASH,
                bid.client,
                bid.token,
                keccak256(bid.appCid),
                keccak256(bid.inputCid),
                bid.maxFuel,
                bid.maxPricePerFuel,
                bid.replicas,
                bid.quorum,
                bid.mode,
                bid.deadline,
                bid.nonce,
                bid.encryptionKey,
                bid.matcher
            )
        );
    }
}
