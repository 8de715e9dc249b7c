// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

import {ComputeMarket} from "../../src/ComputeMarket.sol";
import {OrderHashLib} from "../../src/libraries/OrderHashLib.sol";
import {Ask, Bid} from "../../src/types/Orders.sol";

/// @notice The EIP-712 digests orders are signed over, computed as a wallet (or the SDK) does: the market keeps no
/// view for them, since nothing on chain needs one. `using ComputeDigests for ComputeMarket` lets tests keep
/// writing `market.hashBid(bid)`.
library ComputeDigests {
    function hashBid(ComputeMarket market, Bid memory bid) internal view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                OrderHashLib.BID_TYPEHASH,
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
        return MessageHashUtils.toTypedDataHash(_domainSeparator(market), structHash);
    }

    function hashAsk(ComputeMarket market, Ask memory ask) internal view returns (bytes32) {
        return MessageHashUtils.toTypedDataHash(
            _domainSeparator(market), keccak256(abi.encode(OrderHashLib.ASK_TYPEHASH, ask))
        );
    }

    function _domainSeparator(ComputeMarket market) private view returns (bytes32) {
        (, string memory name, string memory version, uint256 chainId, address verifyingContract,,) =
            market.eip712Domain();
        return keccak256(
            abi.encode(
                keccak256(
                    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
                ),
                keccak256(bytes(name)),
                keccak256(bytes(version)),
                chainId,
                verifyingContract
            )
        );
    }
}
