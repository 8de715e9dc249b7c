// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

import {StorageMarket} from "../../src/StorageMarket.sol";
import {StorageAsk, StorageBid} from "../../src/types/StorageOrders.sol";

/// @notice The EIP-712 digests storage orders and consents are signed over, computed as a wallet (or the SDK)
/// does: the market keeps no view for them. `using StorageDigests for StorageMarket` lets tests write
/// `market.hashBid(bid)`. No call to the market, so a digest can be an argument of a pranked call.
library StorageDigests {
    bytes32 internal constant ASK_TYPEHASH = keccak256(
        // solhint-disable-next-line max-line-length
        "StorageAsk(address provider,address token,uint256 pricePerGiBPeriod,uint256 maxCollateralPerGiB,uint64 maxBytes,uint32 maxPeriods,uint32 volume,uint64 expiry,uint64 nonce)"
    );
    bytes32 internal constant BID_TYPEHASH = keccak256(
        // solhint-disable-next-line max-line-length
        "StorageBid(address client,address token,bytes32 root,uint64 size,bytes cid,uint32 periods,uint8 replicas,uint256 maxPricePerGiBPeriod,uint256 collateralPerGiB,uint64 deadline,uint64 nonce,address matcher)"
    );
    bytes32 internal constant RENEWAL_TYPEHASH =
        keccak256("StorageRenewal(uint256 dealId,uint32 fromPeriods,uint32 extraPeriods,uint64 deadline)");

    function hashBid(StorageMarket market, StorageBid memory bid) internal view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                BID_TYPEHASH,
                bid.client,
                bid.token,
                bid.root,
                bid.size,
                keccak256(bid.cid),
                bid.periods,
                bid.replicas,
                bid.maxPricePerGiBPeriod,
                bid.collateralPerGiB,
                bid.deadline,
                bid.nonce,
                bid.matcher
            )
        );
        return MessageHashUtils.toTypedDataHash(_domainSeparator(market), structHash);
    }

    function hashAsk(StorageMarket market, StorageAsk memory ask) internal view returns (bytes32) {
        return
            MessageHashUtils.toTypedDataHash(
                _domainSeparator(market), keccak256(abi.encode(ASK_TYPEHASH, ask))
            );
    }

    function hashRenewal(
        StorageMarket market,
        uint256 dealId,
        uint32 fromPeriods,
        uint32 extraPeriods,
        uint64 deadline
    ) internal view returns (bytes32) {
        return MessageHashUtils.toTypedDataHash(
            _domainSeparator(market),
            keccak256(abi.encode(RENEWAL_TYPEHASH, dealId, fromPeriods, extraPeriods, deadline))
        );
    }

    function _domainSeparator(StorageMarket market) private view returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256(
                    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
                ),
                keccak256("Agora Storage"),
                keccak256("1"),
                block.chainid,
                address(market)
            )
        );
    }
}
