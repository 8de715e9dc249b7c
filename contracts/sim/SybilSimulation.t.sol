// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {console} from "forge-std/console.sol";

import {ComputeMarket} from "../src/ComputeMarket.sol";
import {Ask, Bid, Task, TaskStatus} from "../src/types/Orders.sol";
import {ComputeDigests} from "../test/utils/ComputeDigests.sol";
import {MarketFixture} from "../test/utils/MarketFixture.sol";
import {SeatedRecord} from "../test/utils/SeatedRecord.sol";

/// @notice The guarantee of attack 1 measured on the real contracts: an adversary holds a share x of the replica
/// pool's weight through sybils, submits every match of 3-replica, quorum-2 tasks, and its seated sybils all reveal
/// the same wrong result with the most fuel. Each task runs match, seat, three commits and three reveals from the
/// same pool state (the state is restored between tasks, so x stays what it is), seeded by a block hash drawn from a
/// fixed seed. A task counts as wrong-paid when the market paid a sybil, which it does only for the wrong result.
/// Run by `npm run bench:trust` (FOUNDRY_TEST=sim), which writes bench/results/trust.json.
contract SybilSimulationTest is MarketFixture {
    using ComputeDigests for ComputeMarket;

    uint256 internal constant POOL = 100;
    bytes32 internal constant SEED = keccak256("agora trust simulation");
    bytes32 internal constant TRUE_RESULT = keccak256("the true output");
    bytes32 internal constant WRONG_RESULT = keccak256("the adversary's output");
    uint64 internal constant FUEL = 400_000;

    address[] internal members;
    uint256[] internal memberKeys;

    function test_sybilAdversary_x10() public {
        _run("x10", 10);
    }

    function test_sybilAdversary_x33() public {
        _run("x33", 33);
    }

    /// @dev `sybils` of the `POOL` equally staked members are the adversary's.
    function _run(string memory name, uint256 sybils) internal {
        uint256 tasks = vm.envOr("AGORA_TRUST_TASKS", uint256(10_000));
        _fillPool();
        vm.roll(block.number + 1);
        uint256 wrongPaid;
        uint256 adversarySeats;
        uint256 finalized;
        for (uint256 i = 0; i < tasks; ++i) {
            uint256 snapshot = vm.snapshotState();
            (bool wrong, uint256 seats, bool ok) = _oneTask(i, sybils);
            if (wrong) ++wrongPaid;
            if (ok) ++finalized;
            adversarySeats += seats;
            vm.revertToStateAndDelete(snapshot);
        }
        // The draw is stake-weighted sampling without replacement, so the expectation is hypergeometric:
        // P(at least 2 of 3 seats among `sybils` of `POOL`).
        uint256 all = _choose3(POOL);
        uint256 expectedPpm = (sybils * (sybils - 1) / 2 * (POOL - sybils) + _choose3(sybils)) * 1e6 / all;
        uint256 measuredPpm = wrongPaid * 1e6 / tasks;
        console.log(
            string.concat(
                "TRUST {\"name\":\"",
                name,
                "\",\"tasks\":",
                vm.toString(tasks),
                ",\"poolMembers\":",
                vm.toString(POOL),
                ",\"adversaryMembers\":",
                vm.toString(sybils),
                ",\"wrongPaid\":",
                vm.toString(wrongPaid),
                ",\"finalized\":",
                vm.toString(finalized),
                ",\"adversarySeats\":",
                vm.toString(adversarySeats),
                ",\"expectedPpm\":",
                vm.toString(expectedPpm),
                "}"
            )
        );
        assertEq(finalized, tasks, "every task settles with a quorum");
        // Within four standard deviations of the expectation (sigma = sqrt(p(1-p)/n)).
        uint256 sigmaPpm = _sqrt(expectedPpm * (1e6 - expectedPpm) / tasks);
        assertApproxEqAbs(measuredPpm, expectedPpm, 4 * sigmaPpm + 1, "wrong-paid rate off the draw's odds");
    }

    function _oneTask(uint256 index, uint256 sybils)
        internal
        returns (bool wrongPaid, uint256 seats, bool ok)
    {
        Bid memory bid = _bid(3, 2);
        bytes memory orders = _orders(bid, _signBid(bid), new Ask[](0), new bytes[](0));
        Task memory task = _taskFor(bid, matcher);
        vm.prank(matcher); // the adversary submits every match
        bytes32 taskId = market.matchOrders(orders);
        bytes memory pending = _pendingRecord(bid, task);
        vm.roll(block.number + 1);
        vm.setBlockhash(block.number - 1, keccak256(abi.encode(SEED, index)));
        bytes memory seated = market.seat(pending, _content(bid));
        task.providers = SeatedRecord.providers(seated);
        task.pricePerFuel = uint128(SeatedRecord.pricePerFuel(seated));
        bool[] memory adversary = new bool[](3);
        for (uint256 j = 0; j < 3; ++j) {
            adversary[j] = _isSybil(task.providers[j], sybils);
            if (adversary[j]) ++seats;
            bytes32 result = adversary[j] ? WRONG_RESULT : TRUE_RESULT;
            uint64 fuel = adversary[j] ? MAX_FUEL : FUEL;
            vm.prank(task.providers[j]);
            verifier.commit(_record(task), j, _commitment(taskId, task.providers[j], result, fuel, _salt(j)));
        }
        for (uint256 j = 0; j < 3; ++j) {
            bytes32 result = adversary[j] ? WRONG_RESULT : TRUE_RESULT;
            vm.prank(task.providers[j]);
            verifier.reveal(_record(task), j, result, adversary[j] ? MAX_FUEL : FUEL, _salt(j));
        }
        // A last reveal that dissents from the quorum leaves settling to `finalize`, open to anyone at once with the
        // hash the quorum revealed (from its `ResultRevealed` events).
        if (_status(task) == TaskStatus.Matched) {
            _settler(task).finalize(_record(task), seats >= 2 ? WRONG_RESULT : TRUE_RESULT);
        }
        ok = _status(task) == TaskStatus.Finalized;
        for (uint256 j = 0; j < 3; ++j) {
            if (adversary[j] && _free(task.providers[j]) != 0) wrongPaid = true;
        }
    }

    function _fillPool() internal {
        for (uint256 i = 0; i < POOL; ++i) {
            (address member, uint256 key) = makeAddrAndKey(string.concat("member", vm.toString(i)));
            members.push(member);
            memberKeys.push(key);
            _registerAndStake(member, STAKE);
            vm.prank(member);
            pool.join(address(usd), uint96(PRICE), uint32(block.timestamp + 30 days));
        }
    }

    function _isSybil(address provider, uint256 sybils) internal view returns (bool) {
        for (uint256 i = 0; i < sybils; ++i) {
            if (members[i] == provider) return true;
        }
        return false;
    }

    function _choose3(uint256 n) internal pure returns (uint256) {
        return n < 3 ? 0 : n * (n - 1) * (n - 2) / 6;
    }

    function _sqrt(uint256 x) internal pure returns (uint256 y) {
        if (x == 0) return 0;
        y = x;
        uint256 z = (x + 1) / 2;
        while (z < y) {
            y = z;
            z = (x / z + z) / 2;
        }
    }
}
