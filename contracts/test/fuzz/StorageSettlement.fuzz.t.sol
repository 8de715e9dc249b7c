// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {StorageMarket} from "../../src/StorageMarket.sol";
import {IEscrow} from "../../src/interfaces/IEscrow.sol";
import {StorageAsk, StorageBid} from "../../src/types/StorageOrders.sol";
import {StorageDigests} from "../utils/StorageDigests.sol";
import {StorageFixture} from "../utils/StorageFixture.sol";

/// @notice Random prices, collateral, sizes, durations and proof patterns: every unit a deal took is paid out
/// exactly once, to the provider for a proven period or back to the client, and the fees match the proofs.
contract StorageSettlementFuzzTest is StorageFixture {
    using StorageDigests for StorageMarket;

    uint256 internal dealId;
    uint256[2] internal proven;
    uint256 internal clientBefore;
    uint256[2] internal providerBefore;

    function testFuzz_dealSettlesExactly(
        uint256 price,
        uint256 collateralPerGiB,
        uint64 size,
        uint32 periods,
        uint256 proofPattern
    ) public {
        price = bound(price, 0, 1e13);
        collateralPerGiB = bound(collateralPerGiB, 0, 1e14);
        // The file's tree has 37 leaves; the deal may claim any size with that many segments.
        size = uint64(bound(size, 36 * 64 + 1, 37 * 64));
        periods = uint32(bound(periods, 1, 8));

        StorageBid memory bid = _bid(2, periods);
        bid.size = size;
        bid.maxPricePerGiBPeriod = price;
        bid.collateralPerGiB = collateralPerGiB;
        StorageAsk[] memory asks = new StorageAsk[](2);
        bytes[] memory signatures = new bytes[](2);
        for (uint256 i = 0; i < 2; ++i) {
            asks[i] = _ask(i);
            asks[i].pricePerGiBPeriod = price;
            asks[i].maxCollateralPerGiB = collateralPerGiB;
            signatures[i] = _sign(providerKeys[i], market.hashAsk(asks[i]));
        }
        uint256 totalBefore = usd.balanceOf(address(market));
        clientBefore = _free(client);
        providerBefore = [_free(providers[0]), _free(providers[1])];
        bytes memory bidSignature = _sign(clientKey, market.hashBid(bid));
        vm.prank(matcher);
        dealId = market.matchDeal(bid, bidSignature, asks, signatures, _accepted(bid, asks));
        assertEq(market.deal(dealId).payment, (price * size + (1 << 30) - 1) >> 30);
        _run(periods, proofPattern);
        market.finish(dealId);
        _checkPayouts(periods);
        assertEq(usd.balanceOf(address(market)), totalBefore);
        assertEq(_heldBy(dealId), 0);
    }

    function _run(uint32 periods, uint256 proofPattern) internal {
        for (uint256 period = 0; period < periods; ++period) {
            for (uint256 i = 0; i < 2; ++i) {
                if (
                    (proofPattern >> (period * 2 + i)) & 1 == 1
                        && market.slot(dealId, i).provider == providers[i]
                ) {
                    _prove(dealId, i);
                    ++proven[i];
                }
            }
            vm.roll(market.deal(dealId).startBlock + (period + 1) * PERIOD_BLOCKS);
            for (uint256 i = 0; i < 2; ++i) {
                bool holding = market.slot(dealId, i).provider == providers[i];
                if (holding && market.slot(dealId, i).nextPeriod == period && period + 1 < periods) {
                    market.reportMissed(dealId, i);
                }
            }
        }
    }

    function _checkPayouts(uint32 periods) internal view {
        uint256 payment = market.deal(dealId).payment;
        uint256 collateral = market.deal(dealId).collateral;
        uint256 unit = payment + payment * PROTOCOL_FEE_BPS / 10_000 + payment * MATCHER_FEE_BPS / 10_000;
        IEscrow.FeePot memory fees = market.feesOf(matcher, address(usd));
        uint256 provenTotal = proven[0] + proven[1];
        assertEq(fees.protocolFees, provenTotal * (payment * PROTOCOL_FEE_BPS / 10_000));
        assertEq(fees.matcherFees, provenTotal * (payment * MATCHER_FEE_BPS / 10_000));
        for (uint256 i = 0; i < 2; ++i) {
            bool keptAll = proven[i] == periods;
            assertEq(
                _free(providers[i]),
                providerBefore[i] - collateral + proven[i] * payment + (keptAll ? collateral : 0),
                "a provider earns its proven periods and keeps its collateral only if it never missed"
            );
        }
        // Whatever the providers and fees did not take went back to the client.
        assertEq(
            _free(client),
            clientBefore - provenTotal * unit + (2 * collateral - _keptCollateral(periods, collateral))
        );
    }

    function _keptCollateral(uint32 periods, uint256 collateral) internal view returns (uint256 kept) {
        for (uint256 i = 0; i < 2; ++i) {
            if (proven[i] == periods) kept += collateral;
        }
    }
}
