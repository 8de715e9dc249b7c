// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

import {AgoraTimelock} from "../src/governance/AgoraTimelock.sol";
import {IComputeMarket} from "../src/interfaces/IComputeMarket.sol";
import {IProviderRegistry} from "../src/interfaces/IProviderRegistry.sol";
import {Task} from "../src/types/Orders.sol";
import {RevertingMirror} from "./ComputeAttacks.t.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";

/// @notice The timelock owns every power; a proposer with all of them cannot take what users move out before its
/// change lands. (The fixture wires the contracts by acting as the timelock; the SDK's deployment does it through a
/// batch the timelock executes, and its own test checks the result on a real chain.)
contract TimelockTest is MarketFixture {
    AgoraTimelock internal timelock;
    address internal hostile = makeAddr("hostile proposer");
    address internal attacker = makeAddr("attacker");

    function setUp() public override {
        address[] memory proposers = new address[](1);
        proposers[0] = hostile;
        address[] memory executors = new address[](1);
        executors[0] = address(0);
        uint256 minDelay = 15 days;
        timelock = new AgoraTimelock(minDelay, proposers, executors);
        owner = address(timelock);
        super.setUp();
    }

    function test_timelock_isTheOnlyOwnerAndWaitsLongerThanAnyUnbonding() public view {
        assertEq(registry.owner(), address(timelock));
        assertEq(market.owner(), address(timelock));
        assertGt(timelock.getMinDelay(), registry.MAX_UNBONDING_PERIOD());
        assertTrue(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), address(timelock)), "administers itself");
        assertFalse(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), address(this)));
        assertTrue(timelock.hasRole(timelock.EXECUTOR_ROLE(), address(0)), "anyone executes a ripe change");
    }

    function test_timelock_refusesToLowerItsDelayBelowTheFloor() public {
        bytes memory call = abi.encodeCall(TimelockController.updateDelay, (1 days));
        _schedule(address(timelock), call);
        vm.warp(block.timestamp + timelock.getMinDelay());
        vm.expectRevert(
            abi.encodeWithSelector(AgoraTimelock.TimelockDelayTooShort.selector, 1 days, timelock.MIN_DELAY())
        );
        timelock.execute(address(timelock), 0, call, bytes32(0), bytes32(0));
    }

    function test_timelock_aChangeCannotLandBeforeItsDelay() public {
        IComputeMarket.MarketParams memory params = market.params();
        params.protocolFeeBps = 1000;
        bytes memory call = abi.encodeCall(market.setParams, (params));
        _schedule(address(market), call);
        vm.warp(block.timestamp + timelock.getMinDelay() - 1);
        vm.expectRevert();
        timelock.execute(address(market), 0, call, bytes32(0), bytes32(0));
        vm.warp(block.timestamp + 1);
        timelock.execute(address(market), 0, call, bytes32(0), bytes32(0));
        assertEq(market.params().protocolFeeBps, 1000);
    }

    /// The proposer schedules every hostile change it can at once: itself as slasher and treasury, the highest slash
    /// rate and fees, a mirror that reverts, the payment token delisted. A provider and a client who see it
    /// scheduled finish their open task and leave; when the change lands, nothing of theirs is left to take.
    function test_attack_hostileOwnerWithEveryPower_usersLeaveFirst() public {
        (, Task memory task) = _matchTask(1, 1);
        address provider = providers[0];

        IProviderRegistry.RegistryParams memory harsh = IProviderRegistry.RegistryParams({
            unbondingPeriod: registry.MAX_UNBONDING_PERIOD(),
            slashBps: registry.MAX_SLASH_BPS(),
            jailDuration: registry.MAX_JAIL_DURATION()
        });
        IComputeMarket.MarketParams memory greedy = market.params();
        greedy.protocolFeeBps = market.MAX_PROTOCOL_FEE_BPS();
        greedy.minStake = market.MAX_MIN_STAKE();
        address[] memory targets = new address[](7);
        bytes[] memory calls = new bytes[](7);
        (targets[0], calls[0]) = (address(registry), abi.encodeCall(registry.setSlasher, (attacker, true)));
        (targets[1], calls[1]) = (address(registry), abi.encodeCall(registry.setTreasury, (attacker)));
        (targets[2], calls[2]) = (address(registry), abi.encodeCall(registry.setParams, (harsh)));
        (targets[3], calls[3]) =
        (address(registry), abi.encodeCall(registry.setMirror, (address(new RevertingMirror()), true)));
        (targets[4], calls[4]) = (address(market), abi.encodeCall(market.setTreasury, (attacker)));
        (targets[5], calls[5]) =
        (address(market), abi.encodeCall(market.setTokenAllowed, (address(usd), false)));
        (targets[6], calls[6]) = (address(market), abi.encodeCall(market.setParams, (greedy)));
        uint256[] memory values = new uint256[](7);
        uint256 delay = timelock.getMinDelay();
        vm.prank(hostile);
        timelock.scheduleBatch(targets, values, calls, bytes32(0), bytes32(0), delay);
        uint256 landsAt = block.timestamp + delay;

        // The users react to the scheduled batch.
        vm.prank(provider);
        market.submitResult(_record(task), keccak256("the output"), 1000);
        vm.prank(provider);
        registry.leave();
        uint256 refund = _free(client);
        vm.prank(client);
        market.withdraw(address(usd), refund);
        vm.warp(block.timestamp + registry.params().unbondingPeriod);
        assertLt(block.timestamp, landsAt, "the unbonding ends before the change lands");
        vm.startPrank(provider);
        registry.withdrawStake();
        market.withdraw(address(usd), _free(provider));
        vm.stopPrank();

        vm.warp(landsAt);
        timelock.executeBatch(targets, values, calls, bytes32(0), bytes32(0));
        address[] memory victims = new address[](1);
        victims[0] = provider;
        vm.prank(attacker);
        registry.slash(bytes32("anything"), victims);

        assertEq(agora.balanceOf(provider), STAKE, "the provider left with its whole stake");
        assertEq(usd.balanceOf(provider), 1000 * PRICE, "and its earnings");
        assertEq(usd.balanceOf(client), refund, "the client left with its refund");
        assertEq(agora.balanceOf(attacker), 0, "the hostile owner took nothing");
        assertEq(usd.balanceOf(attacker), 0);
    }

    function _schedule(address target, bytes memory call) internal {
        uint256 delay = timelock.getMinDelay();
        vm.prank(hostile);
        timelock.schedule(target, 0, call, bytes32(0), bytes32(0), delay);
    }
}
