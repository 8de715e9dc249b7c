// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Reviews} from "../src/Reviews.sol";
import {IComputeMarket} from "../src/interfaces/IComputeMarket.sol";
import {IReviews} from "../src/interfaces/IReviews.sol";
import {IStorageMarket} from "../src/interfaces/IStorageMarket.sol";
import {Task, TaskStatus} from "../src/types/Orders.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";
import {StorageFixture} from "./utils/StorageFixture.sol";

contract ReviewsComputeTest is MarketFixture {
    bytes32 internal constant RESULT = keccak256("the output");
    bytes32 internal constant WRONG = keccak256("a wrong output");
    uint64 internal constant FUEL = 400_000;
    bytes internal constant TEXT_CID =
        hex"01551220b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";
    bytes internal constant RESPONSE_CID =
        hex"01551220fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9";

    Reviews internal reviews;
    IComputeMarket.LaterTask[] internal none;

    function setUp() public override {
        super.setUp();
        reviews = new Reviews(market, IStorageMarket(address(0)));
    }

    function test_reviewTask_recordsTheReviewAndTheProvidersScore() public {
        (bytes32 taskId, Task memory task) = _settledSingle(FUEL);
        uint256 charged = _charged(1, FUEL);
        bytes32 reviewId = reviews.reviewIdOf(IReviews.Subject.Task, taskId);

        vm.expectEmit(address(reviews));
        emit IReviews.Reviewed(
            reviewId, providers[0], client, IReviews.Subject.Task, taskId, 4, uint96(charged), TEXT_CID
        );
        vm.prank(client);
        assertEq(reviews.reviewTask(_record(task), 1, charged, none, 0, 4, TEXT_CID), reviewId);

        IReviews.Review memory stored = reviews.review(reviewId);
        assertEq(stored.client, client);
        assertEq(stored.provider, providers[0]);
        assertEq(stored.rating, 4);
        assertEq(stored.weight, charged);
        assertFalse(stored.responded);
        IReviews.Score memory score = reviews.scoreOf(providers[0]);
        assertEq(score.weight, charged);
        assertEq(score.weightedRatings, 4 * charged);
        assertEq(score.stars[3], 1);
        assertEq(score.stars[0] + score.stars[1] + score.stars[2] + score.stars[4], 0);
    }

    function test_reviewTask_onceATask() public {
        (bytes32 taskId, Task memory task) = _settledSingle(FUEL);
        vm.startPrank(client);
        reviews.reviewTask(_record(task), 1, _charged(1, FUEL), none, 0, 5, TEXT_CID);
        vm.expectRevert(
            abi.encodeWithSelector(
                IReviews.ReviewAlreadyReviewed.selector, reviews.reviewIdOf(IReviews.Subject.Task, taskId)
            )
        );
        reviews.reviewTask(_record(task), 1, _charged(1, FUEL), none, 0, 1, TEXT_CID);
        vm.stopPrank();
        assertEq(reviews.scoreOf(providers[0]).stars[4], 1);
        assertEq(reviews.scoreOf(providers[0]).stars[0], 0);
    }

    function test_reviewTask_onlyTheClientAndTheRightSurvives() public {
        (bytes32 taskId, Task memory task) = _settledSingle(FUEL);
        vm.expectRevert(abi.encodeWithSelector(IReviews.ReviewNotClient.selector, matcher, client));
        vm.prank(matcher);
        reviews.reviewTask(_record(task), 1, _charged(1, FUEL), none, 0, 1, TEXT_CID);
        assertEq(reviews.review(reviews.reviewIdOf(IReviews.Subject.Task, taskId)).client, address(0));
        vm.prank(client);
        reviews.reviewTask(_record(task), 1, _charged(1, FUEL), none, 0, 3, TEXT_CID);
    }

    function test_reviewTask_refusesAForgedRecordOrCharge() public {
        (bytes32 taskId, Task memory task) = _settledSingle(FUEL);
        task.providers[0] = providers[3];
        vm.expectRevert(abi.encodeWithSelector(IReviews.ReviewTaskNotReviewable.selector, taskId));
        vm.prank(client);
        reviews.reviewTask(_record(task), 1, _charged(1, FUEL), none, 0, 1, TEXT_CID);
        task.providers[0] = providers[0];
        // Claiming a bigger charge, to weigh more, breaks the lane's hash chain.
        vm.expectRevert(abi.encodeWithSelector(IReviews.ReviewTaskNotReviewable.selector, taskId));
        vm.prank(client);
        reviews.reviewTask(_record(task), 1, _charged(1, FUEL) * 10, none, 0, 1, TEXT_CID);
    }

    function test_reviewTask_survivesLaneReuseThroughTheChain() public {
        bidLane = 9;
        (bytes32 taskId, Task memory reviewed) = _matchTask(1, 1);
        vm.prank(providers[0]);
        market.submitResult(_record(reviewed), RESULT, FUEL);
        (, Task memory failed) = _matchTask(1, 1);
        vm.warp(failed.commitDeadline + 1);
        _settler(failed).finalize(_record(failed), bytes32(0));
        vm.warp(block.timestamp + 1 days + 1); // the failed provider's jail ends
        (, Task memory open) = _matchTask(1, 1);

        IComputeMarket.LaterTask[] memory later = new IComputeMarket.LaterTask[](2);
        later[0] = IComputeMarket.LaterTask({
            record: _record(failed), status: TaskStatus.Failed, paidMask: 0, charged: 0
        });
        later[1] = IComputeMarket.LaterTask({
            record: _record(open), status: TaskStatus.Matched, paidMask: 0, charged: 0
        });
        IComputeMarket.LaterTask[] memory gap = new IComputeMarket.LaterTask[](1);
        gap[0] = later[1];
        vm.startPrank(client);
        vm.expectRevert(abi.encodeWithSelector(IReviews.ReviewTaskNotReviewable.selector, taskId));
        reviews.reviewTask(_record(reviewed), 1, _charged(1, FUEL), gap, 0, 4, TEXT_CID);
        reviews.reviewTask(_record(reviewed), 1, _charged(1, FUEL), later, 0, 4, TEXT_CID);
        vm.stopPrank();
        assertEq(reviews.scoreOf(providers[0]).stars[3], 1);
    }

    function test_reviewTask_refusesBadRatingsAndCids() public {
        (, Task memory task) = _settledSingle(FUEL);
        bytes memory record = _record(task);
        uint256 charged = _charged(1, FUEL);
        vm.startPrank(client);
        vm.expectRevert(abi.encodeWithSelector(IReviews.ReviewInvalidRating.selector, 0));
        reviews.reviewTask(record, 1, charged, none, 0, 0, TEXT_CID);
        vm.expectRevert(abi.encodeWithSelector(IReviews.ReviewInvalidRating.selector, 6));
        reviews.reviewTask(record, 1, charged, none, 0, 6, TEXT_CID);
        vm.expectRevert(abi.encodeWithSelector(IReviews.ReviewInvalidCid.selector, 0));
        reviews.reviewTask(record, 1, charged, none, 0, 5, "");
        vm.expectRevert(abi.encodeWithSelector(IReviews.ReviewInvalidCid.selector, 129));
        reviews.reviewTask(record, 1, charged, none, 0, 5, new bytes(129));
        vm.expectRevert(abi.encodeWithSelector(IReviews.ReviewUnknownProvider.selector, 1, 1));
        reviews.reviewTask(record, 1, charged, none, 1, 5, TEXT_CID);
        vm.stopPrank();
    }

    function test_reviewTask_noRightForAFailedTask() public {
        (bytes32 taskId, Task memory task) = _matchTask(1, 1);
        vm.warp(task.commitDeadline + 1);
        _settler(task).finalize(_record(task), bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IReviews.ReviewTaskNotReviewable.selector, taskId));
        vm.prank(client);
        reviews.reviewTask(_record(task), 0, 0, none, 0, 1, TEXT_CID);
    }

    function test_reviewTask_canNameADissenterOfAReplicatedTask() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        _commit(task, 0, RESULT, FUEL);
        _commit(task, 1, RESULT, FUEL);
        _commit(task, 2, WRONG, FUEL);
        vm.warp(task.commitDeadline + 1);
        _reveal(task, 0, RESULT, FUEL);
        _reveal(task, 1, RESULT, FUEL);
        _reveal(task, 2, WRONG, FUEL);
        _settler(task).finalize(_record(task), RESULT);
        vm.prank(client);
        bytes32 reviewId = reviews.reviewTask(_record(task), 3, _charged(2, FUEL), none, 2, 1, TEXT_CID);
        assertEq(reviewId, reviews.reviewIdOf(IReviews.Subject.Task, taskId));
        assertEq(reviews.review(reviewId).provider, providers[2]);
        assertEq(reviews.scoreOf(providers[2]).stars[0], 1);
        assertEq(reviews.scoreOf(providers[0]).weight, 0);
    }

    function test_reviewTask_refusesReviewingOneself() public {
        // The client also runs a provider and is matched with its own ask.
        _registerAndStake(client, STAKE);
        providers[0] = client;
        providerKeys[0] = clientKey;
        (, Task memory task) = _settledSingle(FUEL);
        vm.expectRevert(abi.encodeWithSelector(IReviews.ReviewSelfReview.selector, client));
        vm.prank(client);
        reviews.reviewTask(_record(task), 1, _charged(1, FUEL), none, 0, 5, TEXT_CID);
    }

    function test_respond_onceByTheProvider() public {
        bytes32 reviewId = _reviewed(2);
        vm.expectRevert(abi.encodeWithSelector(IReviews.ReviewNotProvider.selector, client, providers[0]));
        vm.prank(client);
        reviews.respond(reviewId, RESPONSE_CID);
        vm.expectRevert(abi.encodeWithSelector(IReviews.ReviewInvalidCid.selector, 0));
        vm.prank(providers[0]);
        reviews.respond(reviewId, "");

        vm.expectEmit(address(reviews));
        emit IReviews.ReviewResponded(reviewId, providers[0], RESPONSE_CID);
        vm.prank(providers[0]);
        reviews.respond(reviewId, RESPONSE_CID);
        assertTrue(reviews.review(reviewId).responded);
        vm.expectRevert(abi.encodeWithSelector(IReviews.ReviewAlreadyResponded.selector, reviewId));
        vm.prank(providers[0]);
        reviews.respond(reviewId, RESPONSE_CID);
    }

    function test_respond_unknownReview() public {
        vm.expectRevert(abi.encodeWithSelector(IReviews.ReviewUnknownReview.selector, bytes32(uint256(7))));
        vm.prank(providers[0]);
        reviews.respond(bytes32(uint256(7)), RESPONSE_CID);
    }

    /// @dev The aggregate is the weighted sum of every review, whatever the ratings and the charges.
    function testFuzz_scoreIsTheWeightedSumOfItsReviews(uint8[6] memory ratings, uint32[6] memory fuels)
        public
    {
        uint256 weight;
        uint256 weightedRatings;
        uint256[5] memory stars;
        for (uint256 i = 0; i < ratings.length; ++i) {
            uint8 rating = uint8(bound(ratings[i], 1, 5));
            uint64 fuel = uint64(bound(fuels[i], 1, MAX_FUEL));
            (, Task memory task) = _settledSingle(fuel);
            uint256 charged = _charged(1, fuel);
            vm.prank(client);
            reviews.reviewTask(_record(task), 1, charged, none, 0, rating, TEXT_CID);
            weight += charged;
            weightedRatings += charged * rating;
            ++stars[rating - 1];
        }
        IReviews.Score memory score = reviews.scoreOf(providers[0]);
        assertEq(score.weight, weight);
        assertEq(score.weightedRatings, weightedRatings);
        for (uint256 star = 0; star < 5; ++star) {
            assertEq(score.stars[star], stars[star]);
        }
    }

    function _settledSingle(uint64 fuel) internal returns (bytes32 taskId, Task memory task) {
        (taskId, task) = _matchTask(1, 1);
        vm.prank(task.providers[0]);
        market.submitResult(_record(task), RESULT, fuel);
    }

    function _reviewed(uint8 rating) internal returns (bytes32) {
        (, Task memory task) = _settledSingle(FUEL);
        vm.prank(client);
        return reviews.reviewTask(_record(task), 1, _charged(1, FUEL), none, 0, rating, TEXT_CID);
    }
}

contract ReviewsStorageTest is StorageFixture {
    bytes internal constant TEXT_CID =
        hex"01551220b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";

    Reviews internal reviews;

    function setUp() public override {
        super.setUp();
        reviews = new Reviews(IComputeMarket(address(0)), market);
    }

    function test_reviewDeal_onceTheDealHasFinished() public {
        uint256 dealId = _openDeal(2, 3);
        vm.expectRevert(abi.encodeWithSelector(IReviews.ReviewDealNotFinished.selector, dealId));
        vm.prank(client);
        reviews.reviewDeal(dealId, 1, 5, TEXT_CID);

        // Slot 1 proves two of its three periods; slot 0 none.
        _prove(dealId, 1);
        _prove(dealId, 1);
        _finish(dealId);
        vm.expectRevert(abi.encodeWithSelector(IReviews.ReviewNotClient.selector, matcher, client));
        vm.prank(matcher);
        reviews.reviewDeal(dealId, 1, 5, TEXT_CID);
        vm.expectRevert(abi.encodeWithSelector(IReviews.ReviewUnknownProvider.selector, 2, 2));
        vm.prank(client);
        reviews.reviewDeal(dealId, 2, 5, TEXT_CID);

        bytes32 reviewId = reviews.reviewIdOf(IReviews.Subject.Deal, bytes32(dealId));
        uint256 charged = _payment() * 2; // what the client paid for slot 1: its two proven periods
        vm.expectEmit(address(reviews));
        emit IReviews.Reviewed(
            reviewId,
            providers[1],
            client,
            IReviews.Subject.Deal,
            bytes32(dealId),
            5,
            uint96(charged),
            TEXT_CID
        );
        vm.prank(client);
        reviews.reviewDeal(dealId, 1, 5, TEXT_CID);
        assertEq(reviews.scoreOf(providers[1]).weight, charged);
        assertEq(reviews.scoreOf(providers[1]).stars[4], 1);

        vm.expectRevert(abi.encodeWithSelector(IReviews.ReviewAlreadyReviewed.selector, reviewId));
        vm.prank(client);
        reviews.reviewDeal(dealId, 0, 1, TEXT_CID);
    }

    /// Attack 6, reviews: a client whose provider it never paid (nothing proven, everything refunded) leaves a
    /// review; it weighs nothing.
    function test_reviewDeal_weighsOnlyWhatTheSlotWasPaid() public {
        uint256 dealId = _openDeal(1, 3);
        _finish(dealId);
        vm.prank(client);
        reviews.reviewDeal(dealId, 0, 1, TEXT_CID);
        assertEq(reviews.scoreOf(providers[0]).weight, 0, "an unpaid deal weighs nothing");
    }

    function test_reviewDeal_unknownDealIsNotFinished() public {
        vm.expectRevert(abi.encodeWithSelector(IReviews.ReviewDealNotFinished.selector, 99));
        vm.prank(client);
        reviews.reviewDeal(99, 0, 5, TEXT_CID);
    }

    function _finish(uint256 dealId) internal {
        IStorageMarket.Deal memory terms = market.deal(dealId);
        vm.roll(terms.startBlock + uint256(terms.periods) * terms.periodBlocks);
        market.finish(dealId);
    }
}
