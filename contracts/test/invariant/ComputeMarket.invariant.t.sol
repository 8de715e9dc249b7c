// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IComputeMarket} from "../../src/interfaces/IComputeMarket.sol";
import {IProviderRegistry} from "../../src/interfaces/IProviderRegistry.sol";
import {TaskStatus} from "../../src/types/Orders.sol";
import {MarketFixture} from "../utils/MarketFixture.sol";
import {HostileOwnerHandler} from "./HostileOwnerHandler.sol";
import {MarketHandler} from "./MarketHandler.sol";

/// @notice The market's money invariants, run against users (a client, a matcher replaying bids, providers that lie,
/// stay silent or try to leave with stake that backs a task) and an owner that uses every power it has at random.
contract ComputeMarketInvariantTest is MarketFixture {
    /// @dev Runs with fewer honest calls than this are too short to judge by their share of accepted calls.
    uint256 internal constant MIN_CALLS_JUDGED = 20;

    MarketHandler internal handler;
    HostileOwnerHandler internal hostileOwner;

    function setUp() public override {
        super.setUp();
        address[] memory assigned = new address[](3);
        uint256[] memory keys = new uint256[](3);
        for (uint256 i = 0; i < 3; ++i) {
            assigned[i] = providers[i];
            keys[i] = providerKeys[i];
        }
        // Slashing must never stop a provider from being matched for long in this run.
        IProviderRegistry.RegistryParams memory soft = registry.params();
        soft.jailDuration = 0;
        IComputeMarket.MarketParams memory marketParams = market.params();
        marketParams.minStake = 1;
        vm.startPrank(owner);
        registry.setParams(soft);
        market.setParams(marketParams);
        vm.stopPrank();
        handler = new MarketHandler(market, usd, client, clientKey, matcher, assigned, keys);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](14);
        selectors[0] = MarketHandler.deposit.selector;
        selectors[1] = MarketHandler.withdraw.selector;
        selectors[2] = MarketHandler.matchTask.selector;
        selectors[3] = MarketHandler.replayBid.selector;
        selectors[4] = MarketHandler.submit.selector;
        selectors[5] = MarketHandler.commit.selector;
        selectors[6] = MarketHandler.reveal.selector;
        selectors[7] = MarketHandler.finalize.selector;
        selectors[8] = MarketHandler.warp.selector;
        selectors[9] = MarketHandler.leaveEarly.selector;
        selectors[10] = MarketHandler.chooseQuorum.selector;
        selectors[11] = MarketHandler.seat.selector;
        selectors[12] = MarketHandler.copyMatch.selector;
        selectors[13] = MarketHandler.revealLast.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));

        hostileOwner =
            new HostileOwnerHandler(market, registry, owner, address(usd), assigned, MIN_STAKE, handler);
        targetContract(address(hostileOwner));
        bytes4[] memory powers = new bytes4[](10);
        powers[0] = HostileOwnerHandler.setMarketParams.selector;
        powers[1] = HostileOwnerHandler.setRegistryParams.selector;
        powers[2] = HostileOwnerHandler.toggleSlasher.selector;
        powers[3] = HostileOwnerHandler.toggleHostileMirror.selector;
        powers[4] = HostileOwnerHandler.setTreasuries.selector;
        powers[5] = HostileOwnerHandler.toggleToken.selector;
        powers[6] = HostileOwnerHandler.jail.selector;
        powers[7] = HostileOwnerHandler.setSeatStake.selector;
        powers[8] = HostileOwnerHandler.installVerifier.selector;
        powers[9] = HostileOwnerHandler.strikeWithVerifier.selector;
        targetSelector(FuzzSelector({addr: address(hostileOwner), selectors: powers}));
    }

    /// @notice Money is conserved: the escrow holds exactly the sum of all balances and fee pots.
    function invariant_escrowBalanceEqualsBooks() public view {
        assertEq(usd.balanceOf(address(market)), _books());
    }

    /// @notice No payout without quorum: providers hold exactly what the ghost paid for quorum-backed results.
    function invariant_noPayoutWithoutQuorum() public view {
        for (uint256 i = 0; i < handler.providerCount(); ++i) {
            address provider = handler.providerAt(i);
            assertEq(_free(provider), handler.expectedEarnings(provider));
        }
    }

    /// @notice The market's copy of each provider's standing equals the registry's, slashes and jail terms included.
    function invariant_standingMirrored() public view {
        for (uint256 i = 0; i < handler.providerCount(); ++i) {
            address provider = handler.providerAt(i);
            IProviderRegistry.Provider memory expected = registry.providerOf(provider);
            (uint96 bonded, uint40 jailedUntil, IProviderRegistry.ProviderStatus status) =
                market.standingOf(provider);
            assertEq(bonded, expected.bonded);
            assertEq(jailedUntil, expected.jailedUntil);
            assertEq(uint8(status), uint8(expected.status));
        }
    }

    /// @notice Every fill of an ask is counted once, whichever of its provider's asks is the hot one.
    function invariant_askFillsCounted() public view {
        for (uint256 i = 0; i < handler.providerCount(); ++i) {
            address provider = handler.providerAt(i);
            for (uint64 nonce = 1; nonce <= 2; ++nonce) {
                assertEq(market.askFills(provider, nonce), handler.expectedFills(provider, nonce));
            }
        }
    }

    /// @notice Whatever the owner did, a free balance can always be withdrawn.
    function invariant_withdrawalsNeverFail() public view {
        assertEq(handler.failedWithdrawals(), 0);
    }

    /// @notice No stake leaves while a task it backs is open, however late that task settles.
    function invariant_stakeBackingAnOpenTaskStays() public view {
        assertEq(handler.stakeLeftBackingTasks(), 0);
    }

    /// @notice No submitter ever gets a replicated task matched with providers of its choosing.
    function invariant_submitterNeverChoosesAQuorum() public view {
        assertEq(handler.chosenQuorums(), 0);
    }

    /// @notice A verifier the owner installs settles nothing outside its own mode, whatever verdict it sends.
    function invariant_ownersVerifierSettlesNothing() public view {
        assertEq(hostileOwner.verifierSettlements(), 0);
    }

    /// @notice Nobody but the matcher a bid names gets it matched.
    function invariant_copiedBidNeverMatched() public view {
        assertEq(handler.copiedMatches(), 0);
    }

    /// @notice A bid nonce is used once, however often it is replayed.
    function invariant_nonceUsedOnce() public view {
        for (uint256 i = 0; i < handler.taskCount(); ++i) {
            assertEq(handler.timesMatched(handler.taskIdAt(i)), 1);
        }
    }

    /// @notice Every task reaches a final state through paths anyone can call, and nothing stays locked.
    function afterInvariant() external {
        // A run whose honest calls mostly revert tested nothing: it fails. (About three in four are accepted.)
        uint256 calls = handler.honestCalls();
        if (calls >= MIN_CALLS_JUDGED) {
            assertGe(
                handler.honestSuccesses() * 4, calls, "fewer than a quarter of the honest calls were accepted"
            );
        }
        handler.settleEverything();
        for (uint256 i = 0; i < handler.taskCount(); ++i) {
            TaskStatus status = handler.settledStatus(handler.taskIdAt(i));
            assertTrue(status == TaskStatus.Finalized || status == TaskStatus.Failed, "task not final");
        }
        assertEq(_locked(client), 0, "money left locked");
        for (uint256 i = 0; i < handler.providerCount(); ++i) {
            assertEq(market.openTasksOf(handler.providerAt(i)), 0, "every task counted settled");
        }
        assertEq(usd.balanceOf(address(market)), _books());
        for (uint256 i = 0; i < handler.providerCount(); ++i) {
            address provider = handler.providerAt(i);
            assertEq(_free(provider), handler.expectedEarnings(provider));
            assertLe(registry.providerOf(provider).bonded, STAKE, "slashing never exceeds stake");
        }
    }

    function _books() internal view returns (uint256 total) {
        total = _free(client) + _locked(client);
        for (uint256 i = 0; i < handler.providerCount(); ++i) {
            total += _free(handler.providerAt(i)) + _locked(handler.providerAt(i));
        }
        IComputeMarket.FeePot memory pot = market.feesOf(matcher, address(usd));
        total += pot.matcherFees + pot.protocolFees;
    }
}
