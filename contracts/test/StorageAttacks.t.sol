// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Reviews} from "../src/Reviews.sol";
import {StorageMarket} from "../src/StorageMarket.sol";
import {IComputeMarket} from "../src/interfaces/IComputeMarket.sol";
import {IStorageMarket} from "../src/interfaces/IStorageMarket.sol";
import {SlotState, StorageAsk, StorageBid} from "../src/types/StorageOrders.sol";
import {StorageDigests} from "./utils/StorageDigests.sol";
import {StorageFixture} from "./utils/StorageFixture.sol";

/// @notice Attacks on the storage market's money paths that an audit reproduced, with the outcome the honest
/// parties are owed.
contract StorageAttacksTest is StorageFixture {
    using StorageDigests for StorageMarket;

    bytes internal constant TEXT_CID =
        hex"01551220b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";

    /// Attack 8, storage: a front-runner copies a signed bid and its asks and submits `matchDeal` itself for the
    /// matcher fee. The bid names its matcher, so the copy is refused; the named matcher's match goes through.
    function test_attack_copierFrontRunsADealForItsFee() public {
        address copier = makeAddr("copier");
        StorageBid memory bid = _bid(1, 4);
        (StorageAsk[] memory asks, bytes[] memory signatures) = _signedAsks(1);
        bytes memory bidSignature = _sign(clientKey, market.hashBid(bid));
        uint256 clientFree = _free(client);
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageNotMatcher.selector, copier, matcher));
        vm.prank(copier);
        market.matchDeal(bid, bidSignature, asks, signatures, _accepted(bid, asks));
        assertEq(_free(client), clientFree, "the copy locks nothing");

        // Naming itself in the bid breaks the client's signature.
        bid.matcher = copier;
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageInvalidSignature.selector, client));
        vm.prank(copier);
        market.matchDeal(bid, bidSignature, asks, signatures, _accepted(bid, asks));

        bid.matcher = matcher;
        vm.prank(matcher);
        uint256 dealId = market.matchDeal(bid, bidSignature, asks, signatures, _accepted(bid, asks));
        assertEq(market.deal(dealId).matcher, matcher, "the named matcher's deal earns its fee");
        assertEq(market.feesOf(copier, address(usd)).matcherFees, 0, "the copier earns nothing");
    }

    /// Attack 6: a client takes a provider's standing ask and opens a deal it never uploads, to collect the
    /// collateral when no proof comes. Without the provider's signature over the bid (given once the upload checked
    /// out) no deal opens: nothing of the provider's is locked, and nothing of the client's either.
    function test_attack_clientNeverSendsTheData() public {
        StorageBid memory bid = _bid(1, 4);
        (StorageAsk[] memory asks, bytes[] memory signatures) = _signedAsks(1);
        uint256 providerFree = _free(providers[0]);
        uint256 clientFree = _free(client);
        bytes[][] memory attempts = _acceptancesWithoutUpload(bid, asks);
        for (uint256 i = 0; i < attempts.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageNotAccepted.selector, providers[0]));
            vm.prank(client);
            market.matchDeal(bid, "", asks, signatures, attempts[i]);
        }
        assertEq(_free(providers[0]), providerFree, "no collateral locked");
        assertEq(_free(client), clientFree, "no payment locked");
        assertEq(
            market.isBidNonceUsed(client, bid.nonce), false, "the bid stays usable once the upload is done"
        );

        vm.prank(client);
        uint256 dealId = market.matchDeal(bid, "", asks, signatures, _accepted(bid, asks));
        assertEq(market.slot(dealId, 0).provider, providers[0], "the accepted deal opens");
    }

    /// @dev What a client that never uploaded can pass for acceptances: none, its own signature in the provider's
    /// place, and the acceptance the provider gave another of its bids (another root, another nonce).
    function _acceptancesWithoutUpload(StorageBid memory bid, StorageAsk[] memory asks)
        internal
        returns (bytes[][] memory attempts)
    {
        attempts = new bytes[][](3);
        attempts[0] = new bytes[](0);
        attempts[1] = new bytes[](1);
        attempts[1][0] = _sign(clientKey, market.hashBid(bid));
        StorageBid memory other = _bid(1, 4);
        other.root = keccak256("another file");
        attempts[2] = _accepted(other, asks);
    }

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
