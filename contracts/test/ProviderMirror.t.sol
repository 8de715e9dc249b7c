// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {ComputeMarket} from "../src/ComputeMarket.sol";
import {IComputeMarket} from "../src/interfaces/IComputeMarket.sol";
import {IProviderRegistry} from "../src/interfaces/IProviderRegistry.sol";
import {Ask, Bid} from "../src/types/Orders.sol";
import {ComputeDigests} from "./utils/ComputeDigests.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";

/// @notice The compute market's copy of each provider's standing follows the registry's exactly, and the fills of a
/// provider's asks are counted exactly whichever ask is the hot one in the provider's word.
contract ProviderMirrorTest is MarketFixture {
    using ComputeDigests for ComputeMarket;

    // ---------------------------------------------------------------- the mirrored standing

    function test_mirror_followsEveryChangeOfStanding() public {
        address provider = providers[0];
        _assertMirrored(provider);
        vm.prank(provider);
        registry.requestUnbond(1 ether);
        _assertMirrored(provider);
        agora.transfer(provider, 5 ether);
        vm.startPrank(provider);
        agora.approve(address(registry), 5 ether);
        registry.stake(5 ether);
        vm.stopPrank();
        _assertMirrored(provider);
        vm.prank(owner);
        registry.jail(provider, uint40(block.timestamp + 2 days));
        _assertMirrored(provider);
        address[] memory slashed = new address[](2);
        slashed[0] = provider;
        slashed[1] = providers[1];
        vm.prank(address(market));
        registry.slash(bytes32("task"), slashed);
        _assertMirrored(provider);
        _assertMirrored(providers[1]);
        vm.prank(provider);
        registry.leave();
        _assertMirrored(provider);
        (uint96 bonded,, IProviderRegistry.ProviderStatus status) = market.standingOf(provider);
        assertEq(bonded, 0);
        assertEq(uint8(status), uint8(IProviderRegistry.ProviderStatus.Left));
    }

    function test_mirror_refusesAProviderThatLeftOrWasNeverRegistered() public {
        vm.prank(providers[0]);
        registry.leave();
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        bytes memory orders = _orders(bid, _signBid(bid), asks, signatures);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryProviderLeft.selector, providers[0]));
        vm.prank(matcher);
        market.matchOrders(orders);

        (address stranger, uint256 strangerKey) = makeAddrAndKey("stranger");
        asks[0].provider = stranger;
        signatures[0] = _sign(strangerKey, market.hashAsk(asks[0]));
        orders = _orders(bid, _signBid(bid), asks, signatures);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, stranger));
        vm.prank(matcher);
        market.matchOrders(orders);
    }

    function test_onProviderChanged_onlyTheRegistry() public {
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNotRegistry.selector, providers[0]));
        vm.prank(providers[0]);
        market.onProviderChanged(providers[0], type(uint96).max, 0, IProviderRegistry.ProviderStatus.Active);
    }

    function test_providersRegisteredBeforeAMarketMirrors_areRefusedUntilSynced() public {
        ComputeMarket late = new ComputeMarket(registry, pool, owner, treasury, market.params());
        vm.prank(owner);
        late.setTokenAllowed(address(usd), true);
        market = late;
        _fund(client, CLIENT_FUNDS);
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        bytes memory orders = _orders(bid, _signBid(bid), asks, signatures);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, providers[0])
        );
        vm.prank(matcher);
        market.matchOrders(orders);

        vm.prank(owner);
        registry.setMirror(address(late), true);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, providers[0])
        );
        vm.prank(matcher);
        market.matchOrders(orders);

        vm.prank(client);
        registry.sync(providers[0]);
        _assertMirrored(providers[0]);
        vm.prank(matcher);
        assertEq(market.matchOrders(orders), market.taskIdOf(client, bid.nonce));
    }

    function test_sync_revertsForAnUnregisteredProvider() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, client));
        registry.sync(client);
    }

    function test_setMirror_boundedOwnedAndIdempotent() public {
        address[] memory current = registry.mirrors();
        assertEq(current.length, 1);
        assertEq(current[0], address(market));

        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, client));
        vm.prank(client);
        registry.setMirror(makeAddr("mirror"), true);
        vm.expectRevert(IProviderRegistry.RegistryZeroAddress.selector);
        vm.prank(owner);
        registry.setMirror(address(0), true);

        vm.startPrank(owner);
        registry.setMirror(address(market), true);
        assertEq(registry.mirrors().length, 1);
        for (uint256 i = 1; i < registry.MAX_MIRRORS(); ++i) {
            registry.setMirror(
                address(new ComputeMarket(registry, pool, owner, treasury, market.params())), true
            );
        }
        address extra = address(new ComputeMarket(registry, pool, owner, treasury, market.params()));
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.RegistryTooManyMirrors.selector, registry.MAX_MIRRORS())
        );
        registry.setMirror(extra, true);

        vm.expectEmit(address(registry));
        emit IProviderRegistry.MirrorUpdated(address(market), false);
        registry.setMirror(address(market), false);
        registry.setMirror(address(market), false);
        vm.stopPrank();
        current = registry.mirrors();
        assertEq(current.length, registry.MAX_MIRRORS() - 1);
        for (uint256 i = 0; i < current.length; ++i) {
            assertTrue(current[i] != address(market));
        }
        // No longer told: the old market keeps the standing it last heard of.
        vm.prank(providers[0]);
        registry.requestUnbond(1 ether);
        (uint96 bonded,,) = market.standingOf(providers[0]);
        assertEq(bonded, STAKE);
    }

    // ---------------------------------------------------------------- ask fills across hot asks

    function test_askFills_exactAcrossSwitchesBetweenAsks() public {
        (Ask memory first, bytes memory firstSignature) = _signedAsk(3);
        (Ask memory second, bytes memory secondSignature) = _signedAsk(5);
        _matchWith(first, firstSignature);
        _matchWith(first, firstSignature);
        assertEq(market.askFills(providers[0], first.nonce), 2);
        _matchWith(second, secondSignature);
        assertEq(market.askFills(providers[0], first.nonce), 2);
        assertEq(market.askFills(providers[0], second.nonce), 1);
        _matchWith(first, firstSignature);
        assertEq(market.askFills(providers[0], first.nonce), 3);
        assertEq(market.askFills(providers[0], second.nonce), 1);

        _expectExhausted(first, firstSignature);
        _matchWith(second, secondSignature);
        assertEq(market.askFills(providers[0], second.nonce), 2);
    }

    function test_cancelAsk_ofTheHotAsk() public {
        (Ask memory ask, bytes memory signature) = _signedAsk(10);
        _matchWith(ask, signature);
        vm.expectEmit(address(market));
        emit IComputeMarket.AskCancelled(providers[0], ask.nonce);
        vm.prank(providers[0]);
        market.cancelAsk(ask.nonce);
        assertEq(market.askFills(providers[0], ask.nonce), type(uint256).max);
        _expectExhausted(ask, signature);
    }

    function testFuzz_askFills_matchTheCountOfMatches(uint256 seed) public {
        uint256 asks = 3;
        Ask[] memory signed = new Ask[](asks);
        bytes[] memory signatures = new bytes[](asks);
        uint256[] memory expected = new uint256[](asks);
        for (uint256 i = 0; i < asks; ++i) {
            (signed[i], signatures[i]) = _signedAsk(uint32(2 + i));
        }
        for (uint256 round = 0; round < 12; ++round) {
            uint256 pick = uint256(keccak256(abi.encode(seed, round))) % asks;
            Bid memory bid = _bid(1, 1);
            bytes memory orders = _orders(bid, _signBid(bid), _one(signed[pick]), _one(signatures[pick]));
            vm.prank(matcher);
            if (expected[pick] < signed[pick].volume) {
                market.matchOrders(orders);
                ++expected[pick];
            } else {
                vm.expectRevert(
                    abi.encodeWithSelector(
                        IComputeMarket.ComputeAskExhausted.selector, providers[0], signed[pick].nonce
                    )
                );
                market.matchOrders(orders);
            }
            for (uint256 i = 0; i < asks; ++i) {
                assertEq(market.askFills(providers[0], signed[i].nonce), expected[i]);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    function _assertMirrored(address provider) private view {
        IProviderRegistry.Provider memory expected = registry.providerOf(provider);
        (uint96 bonded, uint40 jailedUntil, IProviderRegistry.ProviderStatus status) =
            market.standingOf(provider);
        assertEq(bonded, expected.bonded, "bonded");
        assertEq(jailedUntil, expected.jailedUntil, "jailedUntil");
        assertEq(uint8(status), uint8(expected.status), "status");
    }

    function _signedAsk(uint32 volume) private returns (Ask memory ask, bytes memory signature) {
        ask = _ask(0);
        ask.volume = volume;
        signature = _sign(providerKeys[0], market.hashAsk(ask));
    }

    function _matchWith(Ask memory ask, bytes memory signature) private {
        Bid memory bid = _bid(1, 1);
        bytes memory orders = _orders(bid, _signBid(bid), _one(ask), _one(signature));
        vm.prank(matcher);
        market.matchOrders(orders);
    }

    function _expectExhausted(Ask memory ask, bytes memory signature) private {
        Bid memory bid = _bid(1, 1);
        bytes memory orders = _orders(bid, _signBid(bid), _one(ask), _one(signature));
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeAskExhausted.selector, providers[0], ask.nonce)
        );
        vm.prank(matcher);
        market.matchOrders(orders);
    }

    function _one(Ask memory ask) private pure returns (Ask[] memory asks) {
        asks = new Ask[](1);
        asks[0] = ask;
    }

    function _one(bytes memory signature) private pure returns (bytes[] memory signatures) {
        signatures = new bytes[](1);
        signatures[0] = signature;
    }
}
