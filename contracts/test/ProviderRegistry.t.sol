// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IProviderRegistry} from "../src/interfaces/IProviderRegistry.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";

contract ProviderRegistryTest is MarketFixture {
    address internal newcomer = makeAddr("newcomer");

    function test_register_storesProfileAndActivates() public {
        vm.expectEmit(address(registry));
        emit IProviderRegistry.ProviderRegistered(newcomer, RESOURCES, METADATA_CID);
        vm.prank(newcomer);
        registry.register(RESOURCES, METADATA_CID);
        (uint256 resources, bytes memory cid) = registry.profileOf(newcomer);
        assertEq(resources, RESOURCES);
        assertEq(cid, METADATA_CID);
        assertEq(uint8(registry.providerOf(newcomer).status), uint8(IProviderRegistry.ProviderStatus.Active));
    }

    function test_register_reverts() public {
        vm.startPrank(newcomer);
        vm.expectRevert(IProviderRegistry.RegistryInvalidResources.selector);
        registry.register(0, METADATA_CID);
        vm.expectRevert(IProviderRegistry.RegistryInvalidMetadataCid.selector);
        registry.register(RESOURCES, hex"12209999");
        vm.expectRevert(IProviderRegistry.RegistryInvalidMetadataCid.selector);
        registry.register(RESOURCES, new bytes(129));
        registry.register(RESOURCES, METADATA_CID);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.RegistryAlreadyRegistered.selector, newcomer)
        );
        registry.register(RESOURCES, METADATA_CID);
        vm.stopPrank();
    }

    function test_updateProfile() public {
        uint256 bigger = RESOURCES | 4 << 48;
        vm.prank(providers[0]);
        registry.updateProfile(bigger, METADATA_CID);
        (uint256 resources,) = registry.profileOf(providers[0]);
        assertEq(resources, bigger);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, newcomer));
        vm.prank(newcomer);
        registry.updateProfile(bigger, METADATA_CID);
    }

    function test_stake_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, newcomer));
        vm.prank(newcomer);
        registry.stake(1);
        vm.expectRevert(IProviderRegistry.RegistryZeroAmount.selector);
        vm.prank(providers[0]);
        registry.stake(0);
        vm.prank(providers[0]);
        registry.leave();
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryProviderLeft.selector, providers[0]));
        vm.prank(providers[0]);
        registry.stake(1);
    }

    function test_unbondAndWithdrawAfterDelay() public {
        vm.startPrank(providers[0]);
        registry.requestUnbond(1000 ether);
        assertEq(registry.providerOf(providers[0]).bonded, STAKE - 1000 ether);
        assertEq(registry.providerOf(providers[0]).unbonding, 1000 ether);
        uint40 readyAt = registry.unbondingReadyAt(providers[0]);
        assertEq(readyAt, block.timestamp + 7 days);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryUnbondingNotReady.selector, readyAt));
        registry.withdrawStake();
        vm.warp(readyAt);
        registry.withdrawStake();
        assertEq(agora.balanceOf(providers[0]), 1000 ether);
        vm.expectRevert(IProviderRegistry.RegistryNothingToWithdraw.selector);
        registry.withdrawStake();
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.RegistryAmountExceedsBonded.selector, STAKE, STAKE - 1000 ether
            )
        );
        registry.requestUnbond(STAKE);
        vm.expectRevert(IProviderRegistry.RegistryZeroAmount.selector);
        registry.requestUnbond(0);
        vm.stopPrank();
    }

    function test_unbondingStakeStaysSlashable() public {
        vm.prank(providers[0]);
        registry.requestUnbond(STAKE);
        address[] memory slashed = new address[](1);
        slashed[0] = providers[0];
        vm.prank(address(market));
        registry.slash(bytes32("task"), slashed);
        assertEq(registry.providerOf(providers[0]).unbonding, STAKE - STAKE * SLASH_BPS / 10_000);
        assertEq(agora.balanceOf(treasury), STAKE * SLASH_BPS / 10_000);
    }

    function test_slash_onlyByAuthorizedModules() public {
        address[] memory slashed = new address[](1);
        slashed[0] = providers[0];
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.RegistryUnauthorizedSlasher.selector, client)
        );
        vm.prank(client);
        registry.slash(bytes32("task"), slashed);
        vm.prank(owner);
        registry.setSlasher(address(market), false);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.RegistryUnauthorizedSlasher.selector, address(market))
        );
        vm.prank(address(market));
        registry.slash(bytes32("task"), slashed);
    }

    function test_slash_jailsAndBlocksMatchingUntilJailEnds() public {
        address[] memory slashed = new address[](1);
        slashed[0] = providers[0];
        vm.prank(address(market));
        registry.slash(bytes32("task"), slashed);
        uint40 until = registry.providerOf(providers[0]).jailedUntil;
        assertEq(until, block.timestamp + 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.RegistryJailed.selector, providers[0], until)
        );
        registry.requireEligible(slashed, MIN_STAKE);
        vm.warp(until);
        registry.requireEligible(slashed, MIN_STAKE);
    }

    function test_jailedProviderCanLeaveAndWithdraw() public {
        vm.prank(owner);
        registry.jail(providers[0], uint40(block.timestamp + 30 days));
        vm.startPrank(providers[0]);
        registry.leave();
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryProviderLeft.selector, providers[0]));
        registry.leave();
        vm.warp(block.timestamp + 7 days);
        registry.withdrawStake();
        vm.stopPrank();
        assertEq(agora.balanceOf(providers[0]), STAKE);
        address[] memory left = new address[](1);
        left[0] = providers[0];
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryProviderLeft.selector, providers[0]));
        registry.requireEligible(left, MIN_STAKE);
    }

    function test_jail_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, client));
        vm.prank(client);
        registry.jail(providers[0], 1);
        vm.startPrank(owner);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, newcomer));
        registry.jail(newcomer, 1);
        uint256 tooLate = block.timestamp + 91 days;
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.RegistryParamOutOfBounds.selector,
                bytes32("jailUntil"),
                tooLate,
                block.timestamp,
                block.timestamp + 90 days
            )
        );
        registry.jail(providers[0], uint40(tooLate));
        vm.stopPrank();
    }

    function test_requireEligible_unregistered() public {
        address[] memory unknown = new address[](1);
        unknown[0] = newcomer;
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, newcomer));
        registry.requireEligible(unknown, MIN_STAKE);
    }

    function test_setParams_bounds() public {
        IProviderRegistry.RegistryParams memory params = registry.params();
        params.unbondingPeriod = 1 days;
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.RegistryParamOutOfBounds.selector,
                bytes32("unbondingPeriod"),
                1 days,
                3 days,
                14 days
            )
        );
        vm.prank(owner);
        registry.setParams(params);
        params.unbondingPeriod = 3 days;
        params.slashBps = 5001;
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.RegistryParamOutOfBounds.selector, bytes32("slashBps"), 5001, 1, 5000
            )
        );
        vm.prank(owner);
        registry.setParams(params);
        params.slashBps = 10;
        vm.prank(owner);
        registry.setParams(params);
        assertEq(registry.params().slashBps, 10);
    }

    function test_ownerSetters() public {
        vm.startPrank(owner);
        vm.expectRevert(IProviderRegistry.RegistryZeroAddress.selector);
        registry.setTreasury(address(0));
        vm.expectRevert(IProviderRegistry.RegistryZeroAddress.selector);
        registry.setSlasher(address(0), true);
        registry.setTreasury(client);
        vm.stopPrank();
        assertEq(registry.treasury(), client);
    }
}
