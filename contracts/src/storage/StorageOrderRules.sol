// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IStorageMarket} from "../interfaces/IStorageMarket.sol";
import {DealStatus, StorageAsk, StorageBid} from "../types/StorageOrders.sol";

/// @title StorageOrderRules
/// @notice The stateless rules of opening a storage deal: when a bid and its asks are well formed and fit each other,
/// their EIP-712 struct hashes, and the terms of the deal they open.
/// @dev `StorageMarket` creates it and calls it like a library: it holds nothing and decides nothing about money, so
/// splitting it out keeps the market's code 2 KB under the EIP-170 limit at the cost of one call per opened deal.
/// Its errors are the market's, and reach the caller unchanged.
contract StorageOrderRules {
    uint256 public constant SEGMENT_SIZE = 64;
    uint256 public constant MAX_REPLICAS = 16;
    /// @notice 2^40 segments: 64 TiB.
    uint256 public constant MAX_DEPTH = 40;
    uint256 private constant GIB = 1 << 30;

    bytes32 internal constant ASK_TYPEHASH = keccak256(
        // solhint-disable-next-line max-line-length
        "StorageAsk(address provider,address token,uint256 pricePerGiBPeriod,uint256 maxCollateralPerGiB,uint64 maxBytes,uint32 maxPeriods,uint32 volume,uint64 expiry,uint64 nonce)"
    );
    bytes32 internal constant BID_TYPEHASH = keccak256(
        // solhint-disable-next-line max-line-length
        "StorageBid(address client,address token,bytes32 root,uint64 size,bytes cid,uint32 periods,uint8 replicas,uint256 maxPricePerGiBPeriod,uint256 collateralPerGiB,uint64 deadline,uint64 nonce,address matcher)"
    );

    /// @notice Checks the bid and each ask against it; returns their struct hashes and the terms of the deal they
    /// open now, at the highest ask's price (every provider earns at least what it asked, the client pays at most what
    /// it bid). `matcher` is zero for a deal the client opens itself.
    function check(
        StorageBid calldata bid,
        StorageAsk[] calldata asks,
        IStorageMarket.StorageParams calldata params_,
        address matcher
    ) external view returns (bytes32 bidHash, bytes32[] memory askHashes, IStorageMarket.Deal memory terms) {
        _requireValidBid(bid);
        if (asks.length != bid.replicas) {
            revert IStorageMarket.StorageAskCountMismatch(asks.length, bid.replicas);
        }
        bidHash = hashBid(bid);
        askHashes = new bytes32[](asks.length);
        uint256 price;
        for (uint256 i = 0; i < asks.length; ++i) {
            StorageAsk calldata ask = asks[i];
            _requireAskFits(bid, ask);
            askHashes[i] = hashAsk(ask);
            if (ask.pricePerGiBPeriod > price) price = ask.pricePerGiBPeriod;
        }
        terms = _termsOf(bid, price, matcher, params_);
    }

    /// @notice The EIP-712 struct hash of a bid.
    function hashBid(StorageBid calldata bid) public pure returns (bytes32) {
        return keccak256(
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
    }

    /// @notice The EIP-712 struct hash of an ask.
    function hashAsk(StorageAsk calldata ask) public pure returns (bytes32) {
        return keccak256(
            abi.encode(
                ASK_TYPEHASH,
                ask.provider,
                ask.token,
                ask.pricePerGiBPeriod,
                ask.maxCollateralPerGiB,
                ask.maxBytes,
                ask.maxPeriods,
                ask.volume,
                ask.expiry,
                ask.nonce
            )
        );
    }

    function _requireValidBid(StorageBid calldata bid) private view {
        if (block.timestamp > bid.deadline) revert IStorageMarket.StorageBidExpired(bid.deadline);
        if (bid.replicas == 0 || bid.replicas > MAX_REPLICAS) {
            revert IStorageMarket.StorageInvalidReplicas(bid.replicas);
        }
        if (
            bid.size == 0 || bid.size > SEGMENT_SIZE << MAX_DEPTH || bid.periods == 0 || bid.cid.length == 0
                || bid.root == bytes32(0)
        ) {
            revert IStorageMarket.StorageInvalidBid();
        }
    }

    function _requireAskFits(StorageBid calldata bid, StorageAsk calldata ask) private view {
        address provider = ask.provider;
        if (block.timestamp > ask.expiry) revert IStorageMarket.StorageAskExpired(provider, ask.expiry);
        if (ask.token != bid.token) {
            revert IStorageMarket.StorageTokenMismatch(provider, ask.token, bid.token);
        }
        if (ask.pricePerGiBPeriod > bid.maxPricePerGiBPeriod) {
            revert IStorageMarket.StoragePriceTooHigh(
                provider, ask.pricePerGiBPeriod, bid.maxPricePerGiBPeriod
            );
        }
        if (bid.collateralPerGiB > ask.maxCollateralPerGiB) {
            revert IStorageMarket.StorageCollateralTooHigh(
                provider, bid.collateralPerGiB, ask.maxCollateralPerGiB
            );
        }
        if (bid.size > ask.maxBytes) revert IStorageMarket.StorageTooLarge(provider, bid.size, ask.maxBytes);
        if (bid.periods > ask.maxPeriods) {
            revert IStorageMarket.StorageTooLong(provider, bid.periods, ask.maxPeriods);
        }
    }

    function _termsOf(
        StorageBid calldata bid,
        uint256 price,
        address matcher,
        IStorageMarket.StorageParams calldata params_
    ) private view returns (IStorageMarket.Deal memory terms) {
        uint256 payment = Math.mulDiv(price, bid.size, GIB, Math.Rounding.Ceil);
        uint256 collateral = Math.mulDiv(bid.collateralPerGiB, bid.size, GIB, Math.Rounding.Ceil);
        if (payment > type(uint128).max) revert IStorageMarket.StorageAmountTooLarge(payment);
        if (collateral > type(uint128).max) revert IStorageMarket.StorageAmountTooLarge(collateral);
        uint256 leafCount = Math.ceilDiv(bid.size, SEGMENT_SIZE);
        terms = IStorageMarket.Deal({
            startBlock: uint40(block.number),
            periodBlocks: params_.periodBlocks,
            windowBlocks: params_.windowBlocks,
            periods: bid.periods,
            leafCount: uint48(leafCount),
            depth: uint8(Math.log2(leafCount, Math.Rounding.Ceil)),
            replicas: bid.replicas,
            status: DealStatus.Active,
            root: bid.root,
            client: bid.client,
            protocolFeeBps: params_.protocolFeeBps,
            matcherFeeBps: matcher == address(0) ? 0 : params_.matcherFeeBps,
            token: bid.token,
            matcher: matcher,
            payment: uint128(payment),
            collateral: uint128(collateral)
        });
    }
}
