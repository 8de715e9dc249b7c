// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Reviews} from "../src/Reviews.sol";
import {IComputeMarket} from "../src/interfaces/IComputeMarket.sol";
import {IStorageMarket} from "../src/interfaces/IStorageMarket.sol";
import {SlotState} from "../src/types/StorageOrders.sol";
import {StorageFixture} from "./utils/StorageFixture.sol";

/// @notice Attacks on the storage market's money paths that an audit reproduced, with the outcome the honest
/// parties are owed.
contract StorageAttacksTest is StorageFixture {
    bytes internal constant TEXT_CID =
        hex"01551220b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";

    /// A provider misses a proof, then takes its own slot back to win the forfeited collateral's repair reward.
    function test_attack_providerRepairsItsOwnMissedSlot() public {
        uint256 dealId = _openDeal(1, 8);
        vm.roll(block.number + PERIOD_BLOCKS);
        market.reportMissed(dealId, 0);
        uint256 before = _free(providers[0]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStorageMarket.StorageRepairByFaultyProvider.selector, dealId, 0, providers[0]
            )
        );
        vm.prank(providers[0]);
        market.repair(dealId, 0);
        assertEq(_free(providers[0]), before, "the faulty provider gets nothing back");

        vm.prank(providers[1]);
        market.repair(dealId, 0);
        assertEq(market.slot(dealId, 0).provider, providers[1], "an honest provider repairs it instead");
        _prove(dealId, 0);
        assertEq(uint8(market.slot(dealId, 0).state), uint8(SlotState.Active));
    }

    /// A slot emptied by a missed proof and never repaired: the finished deal's review names the provider that
    /// missed, not address(0).
    function test_attack_reviewOfEmptiedSlotNamesZero() public {
        Reviews reviews = new Reviews(IComputeMarket(address(0)), market);
        uint256 dealId = _openDeal(1, 3);
        vm.roll(block.number + PERIOD_BLOCKS);
        market.reportMissed(dealId, 0);
        assertEq(market.slot(dealId, 0).provider, address(0), "the slot is open for repair");
        IStorageMarket.Deal memory terms = market.deal(dealId);
        vm.roll(terms.startBlock + uint256(terms.periods) * terms.periodBlocks);
        market.finish(dealId);
        assertEq(market.slot(dealId, 0).provider, providers[0]);
        vm.prank(client);
        bytes32 reviewId = reviews.reviewDeal(dealId, 0, 1, TEXT_CID);
        assertEq(reviews.review(reviewId).provider, providers[0], "the review is about who failed the client");
        assertEq(reviews.scoreOf(address(0)).stars[0], 0, "nobody reviewed address(0)");
    }
}
