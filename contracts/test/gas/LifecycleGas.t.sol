// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Task} from "../../src/types/Orders.sol";
import {MarketFixture} from "../utils/MarketFixture.sol";

/// @notice Gas of each lifecycle step in steady state (accounts, the client's lane and its replica words already
/// written once, and each provider matched before with the same standing ask, as an agent keeps one), committed as
/// snapshots so a change in gas shows in review.
/// End-to-end figures including the 21,000 base and calldata come from `npm run bench:gas` on anvil.
contract LifecycleGasTest is MarketFixture {
    bytes32 internal constant RESULT = keccak256("result");
    uint32 internal constant R1_LANE = 1;
    uint32 internal constant R3_LANE = 2;

    function setUp() public override {
        super.setUp();
        bidLane = R1_LANE;
        (, Task memory task) = _matchTask(1, 1);
        vm.prank(providers[0]);
        market.submitResult(_record(task), RESULT, 1000);
        nextAskNonce[providers[0]] = 0;
        bidLane = R3_LANE;
        (, task) = _matchTask(3, 2);
        for (uint256 i = 0; i < 3; ++i) {
            _commit(task, i, RESULT, 1000);
        }
        for (uint256 i = 0; i < 3; ++i) {
            _reveal(task, i, RESULT, 1000);
        }
        nextAskNonce[providers[0]] = 0;
        nextAskNonce[providers[1]] = 0;
        nextAskNonce[providers[2]] = 0;
    }

    function test_gas_lifecycle_r1() public {
        bidLane = R1_LANE;
        (, Task memory task) = _matchTask(1, 1);
        vm.snapshotGasLastCall("compute", "match.r1");
        vm.prank(providers[0]);
        market.submitResult(_record(task), RESULT, 1000);
        vm.snapshotGasLastCall("compute", "submitResult.r1");
    }

    function test_gas_lifecycle_r3() public {
        bidLane = R3_LANE;
        (, Task memory task, bytes memory pending, bytes memory content) = _matchPending(3, 2);
        // The first drawn provider to finish seats the task with its commitment; the last to commit reveals at once.
        _seatAndCommit(task, pending, content, 0, RESULT, 1000);
        vm.snapshotGasLastCall("compute", "seatAndCommit.r3.0");
        _commit(task, 1, RESULT, 1000);
        vm.snapshotGasLastCall("compute", "commit.r3.1");
        _revealLast(task, 2, RESULT, 1000);
        vm.snapshotGasLastCall("compute", "revealLast.r3.2");
        for (uint256 i = 0; i < 2; ++i) {
            _reveal(task, i, RESULT, 1000);
            vm.snapshotGasLastCall("compute", string.concat("reveal.r3.", vm.toString(i)));
        }
    }
}
