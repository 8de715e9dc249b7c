// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {StorageMarket} from "../src/StorageMarket.sol";
import {IEscrow} from "../src/interfaces/IEscrow.sol";
import {IProviderRegistry} from "../src/interfaces/IProviderRegistry.sol";
import {IStorageMarket} from "../src/interfaces/IStorageMarket.sol";
import {DealStatus, SlotState, StorageAsk, StorageBid} from "../src/types/StorageOrders.sol";
import {StorageDigests} from "./utils/StorageDigests.sol";
import {StorageFixture} from "./utils/StorageFixture.sol";

contract StorageMarketTest is StorageFixture {
    using StorageDigests for StorageMarket;

    // ---------------------------------------------------------------- opening

    function test_matchDeal_locksPaymentAndCollateral() public {
        uint256 clientBefore = _free(client);
        uint256 providerBefore = _free(providers[0]);
        uint256 dealId = _openDeal(2, 10);

        assertEq(dealId, 1);
        assertEq(_free(client), clientBefore - 10 * 2 * _unit(true));
        assertEq(_free(providers[0]), providerBefore - _collateral());
        assertEq(_free(providers[1]), providerBefore - _collateral());
        IStorageMarket.Deal memory deal = market.deal(dealId);
        assertEq(uint8(deal.status), uint8(DealStatus.Active));
        assertEq(deal.root, _root());
        assertEq(deal.leafCount, SEGMENTS);
        assertEq(deal.depth, 6);
        assertEq(deal.payment, _payment());
        assertEq(deal.collateral, _collateral());
        assertEq(deal.matcher, matcher);
        assertEq(deal.startBlock, block.number);
        assertEq(market.slot(dealId, 1).provider, providers[1]);
        assertEq(uint8(market.slot(dealId, 1).state), uint8(SlotState.Active));
        assertEq(_heldBy(dealId), 10 * 2 * _unit(true) + 2 * _collateral());
        assertTrue(market.isBidNonceUsed(client, 1));
        assertEq(market.askFills(providers[0], 1), 1);
    }

    function test_matchDeal_byTheClientNeedsNoBidSignatureAndPaysNoMatcher() public {
        StorageBid memory bid = _bid(1, 4);
        (StorageAsk[] memory asks, bytes[] memory signatures) = _signedAsks(1);
        uint256 before = _free(client);
        vm.prank(client);
        uint256 dealId = market.matchDeal(bid, "", asks, signatures, _accepted(bid, asks));
        assertEq(_free(client), before - 4 * _unit(false));
        assertEq(market.deal(dealId).matcher, address(0));
    }

    function test_matchDeal_revertsForAStrangerAndAMatcherWithoutTheSignature() public {
        StorageBid memory bid = _bid(1, 4);
        (StorageAsk[] memory asks, bytes[] memory signatures) = _signedAsks(1);
        bytes memory bidSignature = _sign(clientKey, market.hashBid(bid));
        address stranger = makeAddr("stranger");
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageNotMatcher.selector, stranger, matcher));
        vm.prank(stranger);
        market.matchDeal(bid, bidSignature, asks, signatures, _accepted(bid, asks));
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageInvalidSignature.selector, client));
        vm.prank(matcher);
        market.matchDeal(bid, "", asks, signatures, _accepted(bid, asks));
    }

    function test_matchDeal_paysTheHighestAsk() public {
        StorageBid memory bid = _bid(2, 3);
        bid.maxPricePerGiBPeriod = PRICE * 2;
        StorageAsk[] memory asks = new StorageAsk[](2);
        bytes[] memory signatures = new bytes[](2);
        asks[0] = _ask(0);
        asks[1] = _ask(1);
        asks[1].pricePerGiBPeriod = PRICE * 2;
        signatures[0] = _sign(providerKeys[0], market.hashAsk(asks[0]));
        signatures[1] = _sign(providerKeys[1], market.hashAsk(asks[1]));
        bytes memory bidSignature = _sign(clientKey, market.hashBid(bid));
        vm.prank(matcher);
        uint256 dealId = market.matchDeal(bid, bidSignature, asks, signatures, _accepted(bid, asks));
        assertEq(market.deal(dealId).payment, (PRICE * 2 * _size() + (1 << 30) - 1) >> 30);
    }

    function test_matchDeal_revertsOnBadOrders() public {
        _expectOpenRevert(
            _mutateBid(0),
            abi.encodeWithSelector(IStorageMarket.StorageBidExpired.selector, uint64(block.timestamp - 1))
        );
        _expectOpenRevert(
            _mutateBid(1), abi.encodeWithSelector(IStorageMarket.StorageInvalidReplicas.selector, 0)
        );
        _expectOpenRevert(_mutateBid(2), abi.encodeWithSelector(IStorageMarket.StorageInvalidBid.selector));
        _expectOpenRevert(_mutateBid(3), abi.encodeWithSelector(IStorageMarket.StorageInvalidBid.selector));
        _expectOpenRevert(_mutateBid(4), abi.encodeWithSelector(IStorageMarket.StorageInvalidBid.selector));
        _expectOpenRevert(_mutateBid(5), abi.encodeWithSelector(IStorageMarket.StorageInvalidBid.selector));
        _expectOpenRevert(
            _mutateBid(6), abi.encodeWithSelector(IStorageMarket.StorageInvalidReplicas.selector, 17)
        );
    }

    function test_matchDeal_revertsOnMismatchedAsks() public {
        StorageBid memory bid = _bid(1, 4);
        StorageAsk memory ask = _ask(0);
        ask.expiry = uint64(block.timestamp - 1);
        _expectAskRevert(
            bid,
            ask,
            abi.encodeWithSelector(IStorageMarket.StorageAskExpired.selector, providers[0], ask.expiry)
        );
        ask = _ask(0);
        ask.token = address(agora);
        _expectAskRevert(
            bid,
            ask,
            abi.encodeWithSelector(
                IStorageMarket.StorageTokenMismatch.selector, providers[0], address(agora), address(usd)
            )
        );
        ask = _ask(0);
        ask.pricePerGiBPeriod = PRICE + 1;
        _expectAskRevert(
            bid,
            ask,
            abi.encodeWithSelector(
                IStorageMarket.StoragePriceTooHigh.selector, providers[0], PRICE + 1, PRICE
            )
        );
        ask = _ask(0);
        ask.maxCollateralPerGiB = COLLATERAL - 1;
        _expectAskRevert(
            bid,
            ask,
            abi.encodeWithSelector(
                IStorageMarket.StorageCollateralTooHigh.selector, providers[0], COLLATERAL, COLLATERAL - 1
            )
        );
        ask = _ask(0);
        ask.maxBytes = 100;
        _expectAskRevert(
            bid,
            ask,
            abi.encodeWithSelector(IStorageMarket.StorageTooLarge.selector, providers[0], _size(), 100)
        );
        ask = _ask(0);
        ask.maxPeriods = 3;
        _expectAskRevert(
            bid, ask, abi.encodeWithSelector(IStorageMarket.StorageTooLong.selector, providers[0], 4, 3)
        );
        ask = _ask(0);
        ask.volume = 0;
        _expectAskRevert(
            bid,
            ask,
            abi.encodeWithSelector(IStorageMarket.StorageAskExhausted.selector, providers[0], ask.nonce)
        );
    }

    function test_matchDeal_revertsOnBadSignatures() public {
        StorageBid memory bid = _bid(1, 4);
        (StorageAsk[] memory asks, bytes[] memory signatures) = _signedAsks(1);
        bytes memory wrong = _sign(providerKeys[1], market.hashBid(bid));
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageInvalidSignature.selector, client));
        vm.prank(matcher);
        market.matchDeal(bid, wrong, asks, signatures, _accepted(bid, asks));

        signatures[0] = _sign(providerKeys[1], market.hashAsk(asks[0]));
        bytes memory bidSignature = _sign(clientKey, market.hashBid(bid));
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageInvalidSignature.selector, providers[0]));
        vm.prank(matcher);
        market.matchDeal(bid, bidSignature, asks, signatures, _accepted(bid, asks));
    }

    function test_matchDeal_revertsOnReplayAndCancelledBid() public {
        StorageBid memory bid = _bid(1, 4);
        (StorageAsk[] memory asks, bytes[] memory signatures) = _signedAsks(1);
        bytes memory bidSignature = _sign(clientKey, market.hashBid(bid));
        vm.prank(matcher);
        market.matchDeal(bid, bidSignature, asks, signatures, _accepted(bid, asks));
        (asks, signatures) = _signedAsks(1);
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageNonceUsed.selector, client, bid.nonce));
        vm.prank(matcher);
        market.matchDeal(bid, bidSignature, asks, signatures, _accepted(bid, asks));

        bid = _bid(1, 4);
        vm.prank(client);
        market.cancelBid(bid.nonce);
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageNonceUsed.selector, client, bid.nonce));
        vm.prank(client);
        market.cancelBid(bid.nonce);
        bidSignature = _sign(clientKey, market.hashBid(bid));
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageNonceUsed.selector, client, bid.nonce));
        vm.prank(matcher);
        market.matchDeal(bid, bidSignature, asks, signatures, _accepted(bid, asks));
    }

    function test_matchDeal_revertsOnCancelledAsk() public {
        StorageBid memory bid = _bid(1, 4);
        (StorageAsk[] memory asks, bytes[] memory signatures) = _signedAsks(1);
        vm.prank(providers[0]);
        market.cancelAsk(asks[0].nonce);
        bytes memory bidSignature = _sign(clientKey, market.hashBid(bid));
        vm.expectRevert(
            abi.encodeWithSelector(IStorageMarket.StorageAskExhausted.selector, providers[0], asks[0].nonce)
        );
        vm.prank(matcher);
        market.matchDeal(bid, bidSignature, asks, signatures, _accepted(bid, asks));
    }

    function test_matchDeal_revertsOnDuplicateProviderAndCountMismatch() public {
        StorageBid memory bid = _bid(2, 4);
        StorageAsk[] memory asks = new StorageAsk[](2);
        bytes[] memory signatures = new bytes[](2);
        asks[0] = _ask(0);
        asks[1] = _ask(0);
        signatures[0] = _sign(providerKeys[0], market.hashAsk(asks[0]));
        signatures[1] = _sign(providerKeys[0], market.hashAsk(asks[1]));
        bytes memory bidSignature = _sign(clientKey, market.hashBid(bid));
        vm.expectRevert(
            abi.encodeWithSelector(IStorageMarket.StorageDuplicateProvider.selector, providers[0])
        );
        vm.prank(matcher);
        market.matchDeal(bid, bidSignature, asks, signatures, _accepted(bid, asks));

        (asks, signatures) = _signedAsks(1);
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageAskCountMismatch.selector, 1, 2));
        vm.prank(matcher);
        market.matchDeal(bid, bidSignature, asks, signatures, _accepted(bid, asks));
    }

    function test_matchDeal_revertsWhenClientOrProviderCannotPay() public {
        StorageBid memory bid = _bid(1, 4);
        bid.periods = 1000;
        bid.maxPricePerGiBPeriod = PRICE;
        bid.collateralPerGiB = COLLATERAL;
        StorageAsk[] memory asks = new StorageAsk[](1);
        bytes[] memory signatures = new bytes[](1);
        asks[0] = _ask(0);
        signatures[0] = _sign(providerKeys[0], market.hashAsk(asks[0]));
        // 1000 periods of 2 GiB... made unaffordable by draining the client first.
        vm.prank(client);
        market.withdraw(address(usd), FUNDS - 1000);
        bytes memory bidSignature = _sign(clientKey, market.hashBid(bid));
        vm.expectRevert(
            abi.encodeWithSelector(
                IEscrow.EscrowInsufficientBalance.selector, address(usd), client, 1000, 1000 * _unit(true)
            )
        );
        vm.prank(matcher);
        market.matchDeal(bid, bidSignature, asks, signatures, _accepted(bid, asks));

        _fund(client, FUNDS);
        vm.prank(providers[0]);
        market.withdraw(address(usd), FUNDS);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEscrow.EscrowInsufficientBalance.selector, address(usd), providers[0], 0, _collateral()
            )
        );
        vm.prank(matcher);
        market.matchDeal(bid, bidSignature, asks, signatures, _accepted(bid, asks));
    }

    function test_matchDeal_revertsForIneligibleProvider() public {
        address stranger;
        uint256 strangerKey;
        (stranger, strangerKey) = makeAddrAndKey("stranger");
        keyOf[stranger] = strangerKey;
        _fund(stranger, FUNDS);
        StorageBid memory bid = _bid(1, 4);
        StorageAsk[] memory asks = new StorageAsk[](1);
        bytes[] memory signatures = new bytes[](1);
        asks[0] = _ask(0);
        asks[0].provider = stranger;
        signatures[0] = _sign(strangerKey, market.hashAsk(asks[0]));
        bytes memory bidSignature = _sign(clientKey, market.hashBid(bid));
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, stranger));
        vm.prank(matcher);
        market.matchDeal(bid, bidSignature, asks, signatures, _accepted(bid, asks));
    }

    // ---------------------------------------------------------------- proofs

    function test_prove_eachPeriodEarnsAndClaimPaysWithFees() public {
        uint256 dealId = _openDeal(2, 5);
        uint256 before = _free(providers[0]);
        for (uint256 period = 0; period < 3; ++period) {
            _prove(dealId, 0);
            _prove(dealId, 1);
            vm.roll(block.number + WINDOW_BLOCKS);
        }
        assertEq(market.slot(dealId, 0).nextPeriod, 3);
        assertEq(market.slot(dealId, 0).earned, 3);
        assertEq(_free(providers[0]), before, "nothing moves until a claim");

        vm.prank(providers[0]);
        assertEq(market.claim(dealId, 0), 3 * _payment());
        assertEq(_free(providers[0]), before + 3 * _payment());
        assertEq(market.slot(dealId, 0).earned, 0);
        IEscrow.FeePot memory fees = market.feesOf(matcher, address(usd));
        assertEq(fees.protocolFees, 3 * (_payment() * PROTOCOL_FEE_BPS / 10_000));
        assertEq(fees.matcherFees, 3 * (_payment() * MATCHER_FEE_BPS / 10_000));
        assertEq(market.claim(dealId, 0), 0, "a period is paid once");
    }

    function test_prove_revertsBeforeTheWindowAndAfterIt() public {
        uint256 dealId = _openDeal(1, 5);
        uint256 opensAt = block.number + PERIOD_BLOCKS - WINDOW_BLOCKS;
        vm.roll(opensAt - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IStorageMarket.StorageProofTooEarly.selector, dealId, 0, 0, opensAt)
        );
        vm.prank(providers[0]);
        market.prove(dealId, 0, segments[0], _proofOf(0));

        vm.roll(opensAt + WINDOW_BLOCKS);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStorageMarket.StorageProofWindowClosed.selector, dealId, 0, 0, opensAt + WINDOW_BLOCKS
            )
        );
        vm.prank(providers[0]);
        market.prove(dealId, 0, segments[0], _proofOf(0));
    }

    function test_prove_revertsOnAWrongSegmentPathOrCaller() public {
        uint256 dealId = _openDeal(2, 5);
        _rollToWindow(dealId, 0);
        uint256 leaf = market.challengeOf(dealId, 0).leafIndex;
        uint256 other = (leaf + 1) % SEGMENTS;

        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageInvalidProof.selector, dealId, 0, 0));
        vm.prank(providers[0]);
        market.prove(dealId, 0, segments[other], _proofOf(leaf));

        // The right segment with the path of another leaf.
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageInvalidProof.selector, dealId, 0, 0));
        vm.prank(providers[0]);
        market.prove(dealId, 0, segments[leaf], _proofOf(leaf ^ 1));

        bytes32[2] memory corrupted = segments[leaf];
        corrupted[1] ^= bytes32(uint256(1));
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageInvalidProof.selector, dealId, 0, 0));
        vm.prank(providers[0]);
        market.prove(dealId, 0, corrupted, _proofOf(leaf));

        bytes32[] memory short = new bytes32[](5);
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageWrongProofLength.selector, 5, 6));
        vm.prank(providers[0]);
        market.prove(dealId, 0, segments[leaf], short);

        // Another replica's provider cannot prove for this slot.
        vm.expectRevert(
            abi.encodeWithSelector(IStorageMarket.StorageNotSlotProvider.selector, dealId, 0, providers[1])
        );
        vm.prank(providers[1]);
        market.prove(dealId, 0, segments[leaf], _proofOf(leaf));
    }

    function test_challenge_differsBetweenSlotsAndPeriods() public {
        _buildFile(1024);
        uint256 dealId = _openDeal(3, 8);
        uint256 distinct;
        uint256 previous = type(uint256).max;
        for (uint256 period = 0; period < 4; ++period) {
            _rollToWindow(dealId, 0);
            uint256 a = market.challengeOf(dealId, 0).leafIndex;
            uint256 b = market.challengeOf(dealId, 1).leafIndex;
            if (a != b) ++distinct;
            if (a != previous) ++distinct;
            previous = a;
            _prove(dealId, 0);
            _prove(dealId, 1);
            _prove(dealId, 2);
        }
        assertGe(distinct, 6, "challenges move between slots and periods");
    }

    // ---------------------------------------------------------------- misses and repair

    function test_reportMissed_refundsCompensatesAndOpensRepair() public {
        uint256 dealId = _openDeal(2, 6);
        _prove(dealId, 0);
        _prove(dealId, 1);
        // Period 1: slot 1 proves, slot 0 stays silent.
        _prove(dealId, 1);
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageNotMissed.selector, dealId, 0));
        market.reportMissed(dealId, 0);

        vm.roll(market.challengeOf(dealId, 0).closesAt + 1);
        uint256 clientBefore = _free(client);
        uint256 providerBefore = _free(providers[0]);
        uint256 compensation = _collateral() * COMPENSATION_BPS / 10_000;
        vm.expectEmit(address(market));
        emit IStorageMarket.ProofMissed(dealId, 0, providers[0], 1, _collateral(), compensation);
        market.reportMissed(dealId, 0);

        assertEq(_free(client), clientBefore + _unit(true) + compensation);
        assertEq(_free(providers[0]), providerBefore + _payment(), "its proven period is still paid");
        IStorageMarket.Slot memory slot = market.slot(dealId, 0);
        assertEq(uint8(slot.state), uint8(SlotState.Repairing));
        assertEq(slot.provider, address(0));
        assertEq(slot.nextPeriod, 2);
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageNotMissed.selector, dealId, 0));
        market.reportMissed(dealId, 0);
    }

    function test_repair_takesOverAndEarnsTheRewardWithItsFirstProof() public {
        uint256 dealId = _openDeal(2, 8);
        vm.roll(block.number + PERIOD_BLOCKS);
        market.reportMissed(dealId, 0);
        market.reportMissed(dealId, 1);
        // In period 3 someone repairs slot 0 and proves from period 4: periods 1 to 3, which nobody stored, go
        // back to the client.
        vm.roll(block.number + 2 * PERIOD_BLOCKS);
        uint256 clientBefore = _free(client);
        uint256 repairerBefore = _free(providers[2]);

        vm.prank(providers[2]);
        market.repair(dealId, 0);
        assertEq(_free(providers[2]), repairerBefore - _collateral());
        assertEq(_free(client), clientBefore + 3 * _unit(true), "periods 1, 2 and 3 refunded");
        IStorageMarket.Slot memory slot = market.slot(dealId, 0);
        assertEq(slot.provider, providers[2]);
        assertEq(slot.nextPeriod, 4);
        assertEq(uint8(slot.state), uint8(SlotState.Repaired));

        vm.expectRevert(
            abi.encodeWithSelector(
                IStorageMarket.StorageSlotNotRepairable.selector, dealId, 0, SlotState.Repaired
            )
        );
        vm.prank(providers[3]);
        market.repair(dealId, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IStorageMarket.StorageDuplicateProvider.selector, providers[2])
        );
        vm.prank(providers[2]);
        market.repair(dealId, 1);

        _prove(dealId, 0);
        uint256 reward = _collateral() - _collateral() * COMPENSATION_BPS / 10_000;
        assertEq(_free(providers[2]), repairerBefore - _collateral() + reward);
        assertEq(uint8(market.slot(dealId, 0).state), uint8(SlotState.Active));
    }

    function test_repair_revertsForIneligibleOrTooLate() public {
        uint256 dealId = _openDeal(1, 3);
        vm.roll(block.number + PERIOD_BLOCKS);
        market.reportMissed(dealId, 0);
        address stranger = makeAddr("stranger");
        _fund(stranger, FUNDS);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, stranger));
        vm.prank(stranger);
        market.repair(dealId, 0);
        vm.roll(block.number + PERIOD_BLOCKS);
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageTooLateToRepair.selector, dealId, 0));
        vm.prank(providers[3]);
        market.repair(dealId, 0);
    }

    // ---------------------------------------------------------------- end of a deal

    function test_finish_paysRefundsAndReturnsCollateral() public {
        uint256 dealId = _openDeal(2, 3);
        uint256 clientBefore = _free(client);
        uint256 p0 = _free(providers[0]);
        uint256 p1 = _free(providers[1]);
        for (uint256 period = 0; period < 3; ++period) {
            _prove(dealId, 0);
            if (period < 2) _prove(dealId, 1);
            vm.roll(block.number + WINDOW_BLOCKS);
        }
        uint256 endsAt = market.deal(dealId).startBlock + 3 * PERIOD_BLOCKS;
        vm.roll(endsAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageDealNotOver.selector, dealId, endsAt));
        market.finish(dealId);
        vm.roll(endsAt);
        market.finish(dealId);

        assertEq(_free(providers[0]), p0 + 3 * _payment() + _collateral());
        // Slot 1 missed the last period: paid for two, its collateral goes to the client.
        assertEq(_free(providers[1]), p1 + 2 * _payment());
        assertEq(_free(client), clientBefore + _unit(true) + _collateral());
        assertEq(_heldBy(dealId), 0);
        assertEq(usd.balanceOf(address(market)), _books());
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageDealFinished.selector, dealId));
        market.finish(dealId);
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageDealFinished.selector, dealId));
        market.reportMissed(dealId, 0);
    }

    function test_cancel_refundsLaterPeriods() public {
        uint256 dealId = _openDeal(2, 10);
        _prove(dealId, 0);
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageNotClient.selector, matcher, client));
        vm.prank(matcher);
        market.cancel(dealId);
        uint256 before = _free(client);
        vm.prank(client);
        market.cancel(dealId);
        assertEq(_free(client), before + 9 * 2 * _unit(true), "periods 1..9 of both slots");
        assertEq(market.deal(dealId).periods, 1);
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageNothingToCancel.selector, dealId));
        vm.prank(client);
        market.cancel(dealId);
        // The current period is still proven and paid; the deal then finishes.
        _prove(dealId, 1);
        vm.roll(market.deal(dealId).startBlock + PERIOD_BLOCKS);
        market.finish(dealId);
        assertEq(usd.balanceOf(address(market)), _books());
    }

    function test_renew_needsEveryProvidersConsentOnce() public {
        uint256 dealId = _openDeal(2, 3);
        uint64 deadline = uint64(block.timestamp + 1 hours);
        bytes32 digest = market.hashRenewal(dealId, 3, 4, deadline);
        bytes[] memory consents = new bytes[](2);
        consents[0] = _sign(providerKeys[0], digest);
        consents[1] = _sign(providerKeys[0], digest);
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageInvalidSignature.selector, providers[1]));
        vm.prank(client);
        market.renew(dealId, 4, deadline, consents);

        consents[1] = _sign(providerKeys[1], digest);
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageNotClient.selector, matcher, client));
        vm.prank(matcher);
        market.renew(dealId, 4, deadline, consents);
        uint256 before = _free(client);
        vm.prank(client);
        market.renew(dealId, 4, deadline, consents);
        assertEq(market.deal(dealId).periods, 7);
        assertEq(_free(client), before - 4 * 2 * _unit(true));
        // The same consents cannot extend it again: they name the length they extend.
        vm.expectRevert();
        vm.prank(client);
        market.renew(dealId, 4, deadline, consents);
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageInvalidRenewal.selector, dealId));
        vm.prank(client);
        market.renew(dealId, 0, deadline, consents);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageRenewalExpired.selector, deadline));
        vm.prank(client);
        market.renew(dealId, 4, deadline, consents);
    }

    function test_unknownDeal() public {
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageUnknownDeal.selector, 99));
        market.finish(99);
        vm.expectRevert(abi.encodeWithSelector(IStorageMarket.StorageUnknownDeal.selector, 99));
        market.challengeOf(99, 0);
    }

    // ---------------------------------------------------------------- parameters

    function test_setParams_boundsAndOwner() public {
        IStorageMarket.StorageParams memory params = _params();
        params.windowBlocks = uint16(PERIOD_BLOCKS);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStorageMarket.StorageParamOutOfBounds.selector, bytes32("windowBlocks"), PERIOD_BLOCKS, 2, 99
            )
        );
        vm.prank(owner);
        market.setParams(params);
        params = _params();
        params.windowBlocks = 257;
        params.periodBlocks = 1000;
        vm.expectRevert(
            abi.encodeWithSelector(
                IStorageMarket.StorageParamOutOfBounds.selector, bytes32("windowBlocks"), 257, 2, 256
            )
        );
        vm.prank(owner);
        market.setParams(params);
        params = _params();
        params.compensationBps = 10_001;
        vm.expectRevert(
            abi.encodeWithSelector(
                IStorageMarket.StorageParamOutOfBounds.selector, bytes32("compensationBps"), 10_001, 0, 10_000
            )
        );
        vm.prank(owner);
        market.setParams(params);
        vm.expectRevert();
        market.setParams(_params());
        params = _params();
        params.periodBlocks = 200;
        vm.prank(owner);
        market.setParams(params);
        assertEq(market.params().periodBlocks, 200);
    }

    // ---------------------------------------------------------------- helpers

    function _mutateBid(uint256 which) internal returns (StorageBid memory bid) {
        bid = _bid(1, 4);
        if (which == 0) bid.deadline = uint64(block.timestamp - 1);
        if (which == 1) bid.replicas = 0;
        if (which == 2) bid.size = 0;
        if (which == 3) bid.periods = 0;
        if (which == 4) bid.cid = "";
        if (which == 5) bid.root = bytes32(0);
        if (which == 6) bid.replicas = 17;
    }

    function _expectOpenRevert(StorageBid memory bid, bytes memory error) internal {
        (StorageAsk[] memory asks, bytes[] memory signatures) = _signedAsks(1);
        bytes memory bidSignature = _sign(clientKey, market.hashBid(bid));
        vm.expectRevert(error);
        vm.prank(matcher);
        market.matchDeal(bid, bidSignature, asks, signatures, _accepted(bid, asks));
    }

    function _expectAskRevert(StorageBid memory bid, StorageAsk memory ask, bytes memory error) internal {
        StorageAsk[] memory asks = new StorageAsk[](1);
        bytes[] memory signatures = new bytes[](1);
        asks[0] = ask;
        signatures[0] = _sign(providerKeys[0], market.hashAsk(ask));
        bytes memory bidSignature = _sign(clientKey, market.hashBid(bid));
        vm.expectRevert(error);
        vm.prank(matcher);
        market.matchDeal(bid, bidSignature, asks, signatures, _accepted(bid, asks));
    }
}
