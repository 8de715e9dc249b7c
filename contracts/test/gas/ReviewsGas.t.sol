// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Reviews} from "../../src/Reviews.sol";
import {IComputeMarket} from "../../src/interfaces/IComputeMarket.sol";
import {IStorageMarket} from "../../src/interfaces/IStorageMarket.sol";
import {Task} from "../../src/types/Orders.sol";
import {MarketFixture} from "../utils/MarketFixture.sol";

/// @notice Gas of a task review (the market's review-right check included) and of a response, committed as
/// snapshots: the first review of a provider writes its aggregate from zero, later ones update it.
contract ReviewsGasTest is MarketFixture {
    bytes internal constant TEXT_CID =
        hex"01551220b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";

    function test_gas_reviewTask() public {
        Reviews reviews = new Reviews(market, IStorageMarket(address(0)));
        IComputeMarket.LaterTask[] memory none = new IComputeMarket.LaterTask[](0);
        bytes32 reviewId;
        for (uint256 i = 0; i < 2; ++i) {
            (, Task memory task) = _matchTask(1, 1);
            bytes memory record = _record(task);
            vm.prank(providers[0]);
            market.submitResult(record, keccak256("out"), 1000);
            uint256 cost = 1000 * PRICE;
            uint256 charged = cost + cost * PROTOCOL_FEE_BPS / 10_000 + cost * MATCHER_FEE_BPS / 10_000;
            vm.prank(client);
            reviewId = reviews.reviewTask(record, 1, charged, none, 0, 4, TEXT_CID);
            vm.snapshotGasLastCall("reviews", i == 0 ? "reviewTask.first" : "reviewTask.next");
        }
        vm.prank(providers[0]);
        reviews.respond(reviewId, TEXT_CID);
        vm.snapshotGasLastCall("reviews", "respond");
    }
}
