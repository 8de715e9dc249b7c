// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ask, Bid} from "../../src/types/Orders.sol";

/// @notice Packs orders into `OrderCalldataLib`'s layout, as the SDK does.
library OrderCalldata {
    function encode(
        Bid memory bid,
        bytes memory bidSignature,
        Ask[] memory asks,
        bytes[] memory askSignatures
    ) internal pure returns (bytes memory orders) {
        orders = abi.encodePacked(
            bid.client,
            bid.token,
            bid.maxFuel,
            bid.maxPricePerFuel,
            bid.replicas,
            bid.quorum,
            bid.mode,
            bid.deadline,
            bid.nonce,
            bid.encryptionKey
        );
        orders = abi.encodePacked(
            orders,
            uint8(bid.appCid.length),
            bid.appCid,
            uint8(bid.inputCid.length),
            bid.inputCid,
            uint16(bidSignature.length),
            bidSignature
        );
        for (uint256 i = 0; i < asks.length; ++i) {
            Ask memory ask = asks[i];
            orders = abi.encodePacked(
                orders,
                ask.provider,
                ask.pricePerFuel,
                ask.resources,
                ask.modes,
                ask.volume,
                ask.expiry,
                ask.nonce,
                uint16(askSignatures[i].length),
                askSignatures[i]
            );
        }
    }
}
