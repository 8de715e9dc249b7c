// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IEscrow} from "../src/interfaces/IEscrow.sol";
import {Task} from "../src/types/Orders.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";

contract EscrowTest is MarketFixture {
    function test_deposit_creditsRecipient() public {
        usd.mint(client, 500);
        vm.startPrank(client);
        usd.approve(address(market), 500);
        market.deposit(address(usd), providers[0], 500);
        vm.stopPrank();
        assertEq(_free(providers[0]), 500);
    }

    function test_deposit_reverts() public {
        vm.startPrank(client);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.EscrowTokenNotAllowed.selector, address(agora)));
        market.deposit(address(agora), client, 1);
        vm.expectRevert(IEscrow.EscrowZeroAmount.selector);
        market.deposit(address(usd), client, 0);
        vm.expectRevert(IEscrow.EscrowZeroAddress.selector);
        market.deposit(address(usd), address(0), 1);
        vm.stopPrank();
    }

    function test_deposit_capsTotalAtUint120() public {
        uint256 huge = uint256(type(uint120).max);
        usd.mint(client, huge);
        vm.startPrank(client);
        usd.approve(address(market), huge);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.EscrowAmountTooLarge.selector, huge + CLIENT_FUNDS));
        market.deposit(address(usd), client, huge);
        vm.stopPrank();
    }

    function test_withdraw_sendsFreeBalanceOnly() public {
        (bytes32 taskId, Task memory task) = _matchTask(1, 1);
        uint256 free = _free(client);
        vm.startPrank(client);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEscrow.EscrowInsufficientBalance.selector, address(usd), client, free, free + 1
            )
        );
        market.withdraw(address(usd), free + 1);
        vm.expectRevert(IEscrow.EscrowZeroAmount.selector);
        market.withdraw(address(usd), 0);
        market.withdraw(address(usd), free);
        vm.stopPrank();
        assertEq(usd.balanceOf(client), free);
        assertEq(_locked(client), _lockFor(1, true));
        (taskId, task);
    }

    function test_withdraw_worksForDelistedToken() public {
        vm.prank(owner);
        market.setTokenAllowed(address(usd), false);
        vm.prank(client);
        market.withdraw(address(usd), CLIENT_FUNDS);
        assertEq(usd.balanceOf(client), CLIENT_FUNDS);
    }

    function test_fees_claimedByMatcherAndCollectedToTreasury() public {
        (, Task memory task) = _matchTask(1, 1);
        vm.prank(providers[0]);
        market.submitResult(_record(task), keccak256("r"), 500_000);
        uint256 cost = 500_000 * PRICE;

        vm.prank(matcher);
        assertEq(market.claimMatcherFees(address(usd)), cost * MATCHER_FEE_BPS / 10_000);
        assertEq(usd.balanceOf(matcher), cost * MATCHER_FEE_BPS / 10_000);
        vm.expectRevert(IEscrow.EscrowNothingToClaim.selector);
        vm.prank(matcher);
        market.claimMatcherFees(address(usd));

        address[] memory matchers = new address[](2);
        matchers[0] = matcher;
        matchers[1] = address(0);
        market.collectProtocolFees(address(usd), matchers);
        assertEq(usd.balanceOf(treasury), cost * PROTOCOL_FEE_BPS / 10_000);
        vm.expectRevert(IEscrow.EscrowNothingToClaim.selector);
        market.collectProtocolFees(address(usd), matchers);
    }

    function test_providerWithdrawsEarnings() public {
        (, Task memory task) = _matchTask(1, 1);
        vm.prank(providers[0]);
        market.submitResult(_record(task), keccak256("r"), 500_000);
        vm.prank(providers[0]);
        market.withdraw(address(usd), 500_000 * PRICE);
        assertEq(usd.balanceOf(providers[0]), 500_000 * PRICE);
    }

    function test_ownerSetters() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, client));
        vm.prank(client);
        market.setTokenAllowed(address(agora), true);
        vm.startPrank(owner);
        vm.expectRevert(IEscrow.EscrowZeroAddress.selector);
        market.setTokenAllowed(address(0), true);
        vm.expectRevert(IEscrow.EscrowZeroAddress.selector);
        market.setTreasury(address(0));
        market.setTreasury(client);
        market.setTokenAllowed(address(agora), true);
        vm.stopPrank();
        assertEq(market.treasury(), client);
        assertTrue(market.isTokenAllowed(address(agora)));
    }

    function test_ownershipTransferIsTwoStep() public {
        address timelock = makeAddr("timelock");
        vm.prank(owner);
        market.transferOwnership(timelock);
        assertEq(market.owner(), owner);
        vm.prank(timelock);
        market.acceptOwnership();
        assertEq(market.owner(), timelock);
    }
}
