// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IComputeMarket} from "../src/interfaces/IComputeMarket.sol";
import {IEscrow} from "../src/interfaces/IEscrow.sol";
import {IProviderRegistry} from "../src/interfaces/IProviderRegistry.sol";
import {Ask, Bid, Task, TaskStatus} from "../src/types/Orders.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";

contract ComputeMarketTest is MarketFixture {
    bytes32 internal constant RESULT = keccak256("the output");
    bytes32 internal constant WRONG = keccak256("a wrong output");
    uint64 internal constant FUEL = 400_000;

    // ---------------------------------------------------------------- matching

    function test_matchOrders_locksEscrowAndStoresTask() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        uint256 lock = _lockFor(3, true);
        assertEq(_locked(client), lock);
        assertEq(_free(client), CLIENT_FUNDS - lock);
        IComputeMarket.TaskState memory state = market.taskState(taskId);
        assertEq(uint8(state.status), uint8(TaskStatus.Matched));
        assertEq(state.recordHash, bytes24(keccak256(abi.encode(task))));
        assertEq(taskId, market.taskIdOf(client, 1));
        assertEq(market.askFills(providers[0], 1), 1);
    }

    function test_matchOrders_emitsTheRecord() public {
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        Task memory task = _taskFor(bid, matcher);
        bytes memory bidSignature = _signBid(bid);
        vm.expectEmit(address(market));
        emit IComputeMarket.TaskMatched(
            market.taskIdOf(client, bid.nonce), client, matcher, task, APP_CID, INPUT_CID, bytes32(0)
        );
        vm.prank(matcher);
        market.matchOrders(bid, bidSignature, asks, signatures);
    }

    function test_matchOrders_pricesAtTheHighestAsk() public {
        Bid memory bid = _bid(2, 2);
        bid.maxPricePerFuel = 5;
        Ask[] memory asks = new Ask[](2);
        bytes[] memory signatures = new bytes[](2);
        for (uint256 i = 0; i < 2; ++i) {
            asks[i] = _ask(i);
            asks[i].pricePerFuel = 3 + i;
            signatures[i] = _sign(providerKeys[i], market.hashAsk(asks[i]));
        }
        bytes memory bidSignature = _signBid(bid);
        vm.prank(matcher);
        market.matchOrders(bid, bidSignature, asks, signatures);
        assertEq(_locked(client), market.lockAmount(4, MAX_FUEL, 2, PROTOCOL_FEE_BPS, MATCHER_FEE_BPS));
    }

    function test_matchOrders_revertsWhen_bidExpired() public {
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        bytes memory bidSignature = _signBid(bid);
        vm.warp(bid.deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeBidExpired.selector, bid.deadline));
        vm.prank(matcher);
        market.matchOrders(bid, bidSignature, asks, signatures);
    }

    function test_matchOrders_revertsWhen_bidSignedByAnotherKey() public {
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        bytes memory forged = _sign(providerKeys[4], market.hashBid(bid));
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeInvalidSignature.selector, client));
        vm.prank(matcher);
        market.matchOrders(bid, forged, asks, signatures);
    }

    function test_matchOrders_revertsWhen_bidSignedForAnotherChain() public {
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        bytes memory bidSignature = _signBid(bid);
        vm.chainId(block.chainid + 1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeInvalidSignature.selector, client));
        vm.prank(matcher);
        market.matchOrders(bid, bidSignature, asks, signatures);
    }

    function test_matchOrders_revertsWhen_bidReplayed() public {
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        bytes memory bidSignature = _signBid(bid);
        vm.prank(matcher);
        market.matchOrders(bid, bidSignature, asks, signatures);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNonceUsed.selector, client, bid.nonce));
        vm.prank(matcher);
        market.matchOrders(bid, bidSignature, asks, signatures);
    }

    function test_matchOrders_revertsWhen_sameNonceSignedTwice() public {
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        bytes memory bidSignature = _signBid(bid);
        vm.prank(matcher);
        market.matchOrders(bid, bidSignature, asks, signatures);
        bid.maxFuel = MAX_FUEL / 2;
        bidSignature = _signBid(bid);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNonceUsed.selector, client, bid.nonce));
        vm.prank(matcher);
        market.matchOrders(bid, bidSignature, asks, signatures);
    }

    function test_matchOrders_revertsWhen_replicasOrQuorumInvalid() public {
        uint8[2][5] memory cases = [[0, 0], [17, 9], [3, 1], [3, 4], [2, 1]];
        for (uint256 i = 0; i < cases.length; ++i) {
            Bid memory bid = _bid(cases[i][0], cases[i][1]);
            bytes memory bidSignature = _signBid(bid);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IComputeMarket.ComputeInvalidReplicas.selector, cases[i][0], cases[i][1]
                )
            );
            vm.prank(matcher);
            market.matchOrders(bid, bidSignature, new Ask[](0), new bytes[](0));
        }
    }

    function test_matchOrders_revertsWhen_modeUnsupported() public {
        Bid memory bid = _bid(1, 1);
        bid.mode = 1;
        bytes memory bidSignature = _signBid(bid);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeModeUnsupported.selector, 1));
        vm.prank(matcher);
        market.matchOrders(bid, bidSignature, new Ask[](0), new bytes[](0));
    }

    function test_matchOrders_revertsWhen_bidEmpty() public {
        Bid memory bid = _bid(1, 1);
        bid.appCid = "";
        bytes memory bidSignature = _signBid(bid);
        vm.expectRevert(IComputeMarket.ComputeInvalidBid.selector);
        vm.prank(matcher);
        market.matchOrders(bid, bidSignature, new Ask[](1), new bytes[](1));
    }

    function test_matchOrders_revertsWhen_askCountDiffersFromReplicas() public {
        Bid memory bid = _bid(3, 2);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(2);
        bytes memory bidSignature = _signBid(bid);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeAskCountMismatch.selector, 2, 3));
        vm.prank(matcher);
        market.matchOrders(bid, bidSignature, asks, signatures);
    }

    function test_matchOrders_revertsWhen_askInvalid() public {
        for (uint256 kind = 0; kind < 6; ++kind) {
            Bid memory bid = _bid(1, 1);
            Ask memory ask = _ask(0);
            bytes memory expected;
            if (kind == 0) {
                ask.expiry = uint64(block.timestamp - 1);
                expected = abi.encodeWithSelector(
                    IComputeMarket.ComputeAskExpired.selector, ask.provider, ask.expiry
                );
            } else if (kind == 1) {
                ask.token = address(agora);
                expected = abi.encodeWithSelector(
                    IComputeMarket.ComputeTokenMismatch.selector, ask.provider, address(agora), address(usd)
                );
            } else if (kind == 2) {
                ask.pricePerFuel = PRICE + 1;
                expected = abi.encodeWithSelector(
                    IComputeMarket.ComputePriceTooHigh.selector, ask.provider, PRICE + 1, PRICE
                );
            } else if (kind == 3) {
                ask.modes = 2;
                expected =
                    abi.encodeWithSelector(IComputeMarket.ComputeModeNotAccepted.selector, ask.provider, 0);
            } else if (kind == 4) {
                ask.volume = 0;
                expected = abi.encodeWithSelector(
                    IComputeMarket.ComputeAskExhausted.selector, ask.provider, ask.nonce
                );
            } else {
                expected =
                    abi.encodeWithSelector(IComputeMarket.ComputeInvalidSignature.selector, ask.provider);
            }
            Ask[] memory asks = new Ask[](1);
            asks[0] = ask;
            bytes[] memory signatures = new bytes[](1);
            // kind 5: the provider's ask signed by somebody else.
            signatures[0] = _sign(kind == 5 ? providerKeys[3] : providerKeys[0], market.hashAsk(ask));
            bytes memory bidSignature = _signBid(bid);
            vm.expectRevert(expected);
            vm.prank(matcher);
            market.matchOrders(bid, bidSignature, asks, signatures);
        }
    }

    function test_matchOrders_revertsWhen_providerTwice() public {
        Bid memory bid = _bid(3, 2);
        Ask[] memory asks = new Ask[](3);
        bytes[] memory signatures = new bytes[](3);
        asks[0] = _ask(0);
        asks[1] = _ask(1);
        asks[2] = _ask(0);
        for (uint256 i = 0; i < 3; ++i) {
            signatures[i] = _sign(providerKeys[i == 1 ? 1 : 0], market.hashAsk(asks[i]));
        }
        bytes memory bidSignature = _signBid(bid);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeDuplicateProvider.selector, providers[0])
        );
        vm.prank(matcher);
        market.matchOrders(bid, bidSignature, asks, signatures);
    }

    function test_matchOrders_revertsWhen_askVolumeUsedUp() public {
        Ask memory ask = _ask(0);
        ask.volume = 1;
        Ask[] memory asks = new Ask[](1);
        asks[0] = ask;
        bytes[] memory signatures = new bytes[](1);
        signatures[0] = _sign(providerKeys[0], market.hashAsk(ask));
        Bid memory first = _bid(1, 1);
        bytes memory firstSignature = _signBid(first);
        vm.prank(matcher);
        market.matchOrders(first, firstSignature, asks, signatures);
        Bid memory second = _bid(1, 1);
        bytes memory secondSignature = _signBid(second);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeAskExhausted.selector, providers[0], ask.nonce)
        );
        vm.prank(matcher);
        market.matchOrders(second, secondSignature, asks, signatures);
    }

    function test_matchOrders_revertsWhen_clientUnderfunded() public {
        vm.prank(client);
        market.withdraw(address(usd), CLIENT_FUNDS - 1);
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        bytes memory bidSignature = _signBid(bid);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEscrow.EscrowInsufficientBalance.selector, address(usd), client, 1, _lockFor(1, true)
            )
        );
        vm.prank(matcher);
        market.matchOrders(bid, bidSignature, asks, signatures);
    }

    function test_matchOrders_revertsWhen_providerIneligible() public {
        // Unstaked below the minimum.
        vm.prank(providers[0]);
        registry.requestUnbond(STAKE - MIN_STAKE + 1);
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        bytes memory bidSignature = _signBid(bid);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.RegistryInsufficientStake.selector, providers[0], MIN_STAKE - 1, MIN_STAKE
            )
        );
        vm.prank(matcher);
        market.matchOrders(bid, bidSignature, asks, signatures);
    }

    function test_fill_byClientWithoutMatcherFee() public {
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        Task memory task = _taskFor(bid, address(0));
        vm.prank(client);
        bytes32 taskId = market.fill(bid, asks, signatures);
        assertEq(_locked(client), _lockFor(1, false));
        vm.prank(providers[0]);
        market.submitResult(taskId, task, RESULT, FUEL);
        uint256 cost = FUEL * PRICE;
        assertEq(_free(client), CLIENT_FUNDS - cost - cost * PROTOCOL_FEE_BPS / 10_000);
        assertEq(market.feesOf(address(0), address(usd)).matcherFees, 0);
    }

    function test_fill_revertsWhen_callerIsNotTheClient() public {
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNotClient.selector, matcher, client));
        vm.prank(matcher);
        market.fill(bid, asks, signatures);
    }

    // ---------------------------------------------------------------- single replica

    function test_submitResult_paysProviderFeesAndRefundsClient() public {
        (bytes32 taskId, Task memory task) = _matchTask(1, 1);
        vm.expectEmit(address(market));
        emit IComputeMarket.TaskSettled(
            taskId, TaskStatus.Finalized, RESULT, FUEL, 1, 0, _lockFor(1, true) - _charged(1, FUEL)
        );
        vm.prank(providers[0]);
        market.submitResult(taskId, task, RESULT, FUEL);

        uint256 cost = FUEL * PRICE;
        assertEq(_free(providers[0]), cost);
        assertEq(_locked(client), 0);
        assertEq(_free(client), CLIENT_FUNDS - _charged(1, FUEL));
        IComputeMarket.FeePot memory pot = market.feesOf(matcher, address(usd));
        assertEq(pot.matcherFees, cost * MATCHER_FEE_BPS / 10_000);
        assertEq(pot.protocolFees, cost * PROTOCOL_FEE_BPS / 10_000);
        assertEq(uint8(market.taskState(taskId).status), uint8(TaskStatus.Finalized));
        _assertConserved();
    }

    function test_submitResult_revertsWhen_notTheProvider() public {
        (bytes32 taskId, Task memory task) = _matchTask(1, 1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNotAssigned.selector, providers[1], 0));
        vm.prank(providers[1]);
        market.submitResult(taskId, task, RESULT, FUEL);
    }

    function test_submitResult_revertsWhen_recordForged() public {
        (bytes32 taskId, Task memory task) = _matchTask(1, 1);
        task.pricePerFuel = uint128(PRICE * 10);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeRecordMismatch.selector, taskId));
        vm.prank(providers[0]);
        market.submitResult(taskId, task, RESULT, FUEL);
    }

    function test_submitResult_revertsWhen_late_fuelTooHigh_replicated_settled_unknown() public {
        (bytes32 taskId, Task memory task) = _matchTask(1, 1);
        vm.startPrank(providers[0]);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeFuelAboveLimit.selector, MAX_FUEL + 1, MAX_FUEL)
        );
        market.submitResult(taskId, task, RESULT, MAX_FUEL + 1);
        vm.warp(task.commitDeadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeCommitClosed.selector, task.commitDeadline)
        );
        market.submitResult(taskId, task, RESULT, FUEL);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeUnknownTask.selector, bytes32(0)));
        market.submitResult(bytes32(0), task, RESULT, FUEL);
        vm.stopPrank();

        (bytes32 replicatedId, Task memory replicated) = _matchTask(3, 2);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeWrongReplicaCount.selector, 3));
        vm.prank(providers[0]);
        market.submitResult(replicatedId, replicated, RESULT, FUEL);

        (bytes32 settledId, Task memory settled) = _matchTask(1, 1);
        vm.startPrank(providers[0]);
        market.submitResult(settledId, settled, RESULT, FUEL);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.ComputeTaskNotOpen.selector, settledId, TaskStatus.Finalized
            )
        );
        market.submitResult(settledId, settled, RESULT, FUEL);
        vm.stopPrank();
    }

    function test_finalize_singleReplicaTimeoutRefundsAndSlashes() public {
        (bytes32 taskId, Task memory task) = _matchTask(1, 1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeTooEarly.selector, taskId));
        market.finalize(taskId, task, bytes32(0));
        vm.warp(task.commitDeadline + 1);
        market.finalize(taskId, task, bytes32(0));
        assertEq(_free(client), CLIENT_FUNDS);
        assertEq(_locked(client), 0);
        assertEq(registry.providerOf(providers[0]).bonded, STAKE - STAKE * SLASH_BPS / 10_000);
        assertEq(agora.balanceOf(treasury), STAKE * SLASH_BPS / 10_000);
        assertEq(uint8(market.taskState(taskId).status), uint8(TaskStatus.Failed));
        _assertConserved();
    }

    // ---------------------------------------------------------------- replicated

    function test_replicated_honestProvidersArePaid() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        for (uint256 i = 0; i < 3; ++i) {
            _commit(taskId, task, i, RESULT, FUEL);
        }
        for (uint256 i = 0; i < 3; ++i) {
            _reveal(taskId, task, i, RESULT, FUEL);
        }

        for (uint256 i = 0; i < 3; ++i) {
            assertEq(_free(providers[i]), FUEL * PRICE);
        }
        assertEq(_free(client), CLIENT_FUNDS - _charged(3, FUEL));
        assertEq(_locked(client), 0);
        assertEq(uint8(market.taskState(taskId).status), uint8(TaskStatus.Finalized));
        for (uint256 i = 0; i < 3; ++i) {
            assertEq(registry.providerOf(providers[i]).bonded, STAKE);
        }
        _assertConserved();
    }

    function test_replicated_liarIsSlashedAndHonestArePaid() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        _commit(taskId, task, 0, RESULT, FUEL);
        _commit(taskId, task, 1, WRONG, FUEL);
        _commit(taskId, task, 2, RESULT, FUEL);
        _reveal(taskId, task, 0, RESULT, FUEL);
        _reveal(taskId, task, 2, RESULT, FUEL);
        _reveal(taskId, task, 1, WRONG, FUEL);
        // The liar revealed last and cannot name the agreed result; anyone settles with it at once.
        vm.expectEmit(address(market));
        emit IComputeMarket.TaskSettled(
            taskId, TaskStatus.Finalized, RESULT, FUEL, 5, 2, _lockFor(3, true) - _charged(2, FUEL)
        );
        market.finalize(taskId, task, RESULT);

        assertEq(_free(providers[0]), FUEL * PRICE);
        assertEq(_free(providers[1]), 0);
        assertEq(_free(providers[2]), FUEL * PRICE);
        assertEq(registry.providerOf(providers[1]).bonded, STAKE - STAKE * SLASH_BPS / 10_000);
        assertGt(registry.providerOf(providers[1]).jailedUntil, block.timestamp);
        assertEq(_free(client), CLIENT_FUNDS - _charged(2, FUEL));
        _assertConserved();
    }

    function test_replicated_inflatedFuelCountsAsDissent() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        _commit(taskId, task, 0, RESULT, FUEL);
        _commit(taskId, task, 1, RESULT, FUEL * 2);
        _commit(taskId, task, 2, RESULT, FUEL);
        _reveal(taskId, task, 0, RESULT, FUEL);
        _reveal(taskId, task, 1, RESULT, FUEL * 2);
        _reveal(taskId, task, 2, RESULT, FUEL);
        assertEq(_free(providers[1]), 0);
        assertEq(_free(providers[0]), FUEL * PRICE);
    }

    function test_replicated_lastRevealerDissentingLeavesFinalizeWithTheResult() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        _commit(taskId, task, 0, RESULT, FUEL);
        _commit(taskId, task, 1, RESULT, FUEL);
        _commit(taskId, task, 2, WRONG, FUEL);
        _reveal(taskId, task, 0, RESULT, FUEL);
        _reveal(taskId, task, 1, RESULT, FUEL);
        _reveal(taskId, task, 2, WRONG, FUEL);
        assertEq(uint8(market.taskState(taskId).status), uint8(TaskStatus.Matched));
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeResultHashMismatch.selector, taskId));
        market.finalize(taskId, task, WRONG);
        market.finalize(taskId, task, RESULT);
        assertEq(uint8(market.taskState(taskId).status), uint8(TaskStatus.Finalized));
        assertEq(_free(providers[0]), FUEL * PRICE);
        assertEq(registry.providerOf(providers[2]).bonded, STAKE - STAKE * SLASH_BPS / 10_000);
        _assertConserved();
    }

    function test_replicated_noQuorumRefundsClientAndSlashesSilent() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        _commit(taskId, task, 0, RESULT, FUEL);
        _commit(taskId, task, 1, WRONG, FUEL);
        _commit(taskId, task, 2, keccak256("third"), FUEL);
        _reveal(taskId, task, 0, RESULT, FUEL);
        _reveal(taskId, task, 1, WRONG, FUEL);
        vm.warp(task.revealDeadline + 1);
        market.finalize(taskId, task, bytes32(0));
        assertEq(uint8(market.taskState(taskId).status), uint8(TaskStatus.Failed));
        assertEq(_free(client), CLIENT_FUNDS);
        assertEq(registry.providerOf(providers[0]).bonded, STAKE);
        assertEq(registry.providerOf(providers[1]).bonded, STAKE);
        assertEq(registry.providerOf(providers[2]).bonded, STAKE - STAKE * SLASH_BPS / 10_000);
        _assertConserved();
    }

    function test_replicated_quorumImpossibleAfterCommitWindow() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        _commit(taskId, task, 0, RESULT, FUEL);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeTooEarly.selector, taskId));
        market.finalize(taskId, task, bytes32(0));
        vm.warp(task.commitDeadline + 1);
        market.finalize(taskId, task, bytes32(0));
        assertEq(_free(client), CLIENT_FUNDS);
        assertEq(registry.providerOf(providers[0]).bonded, STAKE - STAKE * SLASH_BPS / 10_000);
        assertEq(registry.providerOf(providers[1]).bonded, STAKE - STAKE * SLASH_BPS / 10_000);
    }

    function test_replicated_twoOfThreeAfterCommitWindowSettlesOnLastReveal() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        _commit(taskId, task, 0, RESULT, FUEL);
        _commit(taskId, task, 1, RESULT, FUEL);
        vm.warp(task.commitDeadline + 1);
        _reveal(taskId, task, 0, RESULT, FUEL);
        _reveal(taskId, task, 1, RESULT, FUEL);
        assertEq(uint8(market.taskState(taskId).status), uint8(TaskStatus.Finalized));
        assertEq(_free(client), CLIENT_FUNDS - _charged(2, FUEL));
        assertEq(registry.providerOf(providers[2]).bonded, STAKE - STAKE * SLASH_BPS / 10_000);
    }

    function test_replicated_committedButSilentIsSlashedAtRevealDeadline() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        for (uint256 i = 0; i < 3; ++i) {
            _commit(taskId, task, i, RESULT, FUEL);
        }
        _reveal(taskId, task, 0, RESULT, FUEL);
        _reveal(taskId, task, 1, RESULT, FUEL);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeTooEarly.selector, taskId));
        market.finalize(taskId, task, RESULT);
        vm.warp(task.revealDeadline + 1);
        market.finalize(taskId, task, RESULT);
        assertEq(_free(providers[0]), FUEL * PRICE);
        assertEq(_free(providers[2]), 0);
        assertEq(registry.providerOf(providers[2]).bonded, STAKE - STAKE * SLASH_BPS / 10_000);
        _assertConserved();
    }

    function test_commit_reverts() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNotAssigned.selector, providers[1], 0));
        vm.prank(providers[1]);
        market.commit(taskId, task, 0, RESULT);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNotAssigned.selector, providers[0], 3));
        vm.prank(providers[0]);
        market.commit(taskId, task, 3, RESULT);
        _commit(taskId, task, 0, RESULT, FUEL);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeAlreadyCommitted.selector, providers[0]));
        vm.prank(providers[0]);
        market.commit(taskId, task, 0, RESULT);
        vm.warp(task.commitDeadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeCommitClosed.selector, task.commitDeadline)
        );
        vm.prank(providers[1]);
        market.commit(taskId, task, 1, RESULT);

        (bytes32 singleId, Task memory single) = _matchTask(1, 1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeWrongReplicaCount.selector, 1));
        vm.prank(providers[0]);
        market.commit(singleId, single, 0, RESULT);
    }

    function test_reveal_reverts() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        _commit(taskId, task, 0, RESULT, FUEL);
        _commit(taskId, task, 1, RESULT, FUEL);
        vm.expectRevert(IComputeMarket.ComputeRevealNotOpen.selector);
        _reveal(taskId, task, 0, RESULT, FUEL);
        _commit(taskId, task, 2, RESULT, FUEL);

        vm.startPrank(providers[0]);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeCommitmentMismatch.selector, providers[0])
        );
        market.reveal(taskId, task, 0, WRONG, FUEL, _salt(0));
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeCommitmentMismatch.selector, providers[0])
        );
        market.reveal(taskId, task, 0, RESULT, FUEL, _salt(9));
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeFuelAboveLimit.selector, MAX_FUEL + 1, MAX_FUEL)
        );
        market.reveal(taskId, task, 0, RESULT, MAX_FUEL + 1, _salt(0));
        market.reveal(taskId, task, 0, RESULT, FUEL, _salt(0));
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNotCommitted.selector, providers[0]));
        market.reveal(taskId, task, 0, RESULT, FUEL, _salt(0));
        vm.stopPrank();

        vm.warp(task.revealDeadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeRevealClosed.selector, task.revealDeadline)
        );
        _reveal(taskId, task, 1, RESULT, FUEL);

        // A provider that never committed cannot reveal.
        (bytes32 otherId, Task memory other) = _matchTask(3, 2);
        _commit(otherId, other, 0, RESULT, FUEL);
        vm.warp(other.commitDeadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNotCommitted.selector, providers[1]));
        _reveal(otherId, other, 1, RESULT, FUEL);
    }

    function test_reveal_cannotCopyAnotherProvidersCommitment() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        bytes32 honest = _commitment(taskId, providers[0], RESULT, FUEL, _salt(0));
        vm.prank(providers[0]);
        market.commit(taskId, task, 0, honest);
        vm.prank(providers[1]);
        market.commit(taskId, task, 1, honest);
        _commit(taskId, task, 2, RESULT, FUEL);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeCommitmentMismatch.selector, providers[1])
        );
        vm.prank(providers[1]);
        market.reveal(taskId, task, 1, RESULT, FUEL, _salt(0));
    }

    // ---------------------------------------------------------------- cancellation

    function test_cancelBid_preventsMatching() public {
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        bytes memory bidSignature = _signBid(bid);
        vm.prank(client);
        market.cancelBid(bid.nonce);
        assertEq(
            uint8(market.taskState(market.taskIdOf(client, bid.nonce)).status), uint8(TaskStatus.Cancelled)
        );
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNonceUsed.selector, client, bid.nonce));
        vm.prank(matcher);
        market.matchOrders(bid, bidSignature, asks, signatures);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNonceUsed.selector, client, bid.nonce));
        vm.prank(client);
        market.cancelBid(bid.nonce);
    }

    function test_cancelAsk_preventsFilling() public {
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        bytes memory bidSignature = _signBid(bid);
        vm.prank(providers[0]);
        market.cancelAsk(asks[0].nonce);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeAskExhausted.selector, providers[0], asks[0].nonce)
        );
        vm.prank(matcher);
        market.matchOrders(bid, bidSignature, asks, signatures);
    }

    // ---------------------------------------------------------------- review right

    function test_consumeReviewRight_onceForTheClient() public {
        address reviews = makeAddr("reviews");
        vm.prank(owner);
        market.setReviewModule(reviews);
        (bytes32 taskId, Task memory task) = _matchTask(1, 1);
        vm.prank(providers[0]);
        market.submitResult(taskId, task, RESULT, FUEL);
        uint256 charged = _charged(1, FUEL);

        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeUnauthorizedReviewModule.selector, client)
        );
        vm.prank(client);
        market.consumeReviewRight(taskId, task, 1, charged);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNotReviewable.selector, taskId));
        vm.prank(reviews);
        market.consumeReviewRight(taskId, task, 1, charged + 1);

        vm.prank(reviews);
        assertEq(market.consumeReviewRight(taskId, task, 1, charged), client);
        assertTrue(market.taskState(taskId).reviewed);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNotReviewable.selector, taskId));
        vm.prank(reviews);
        market.consumeReviewRight(taskId, task, 1, charged);
    }

    function test_consumeReviewRight_noneForFailedTask() public {
        address reviews = makeAddr("reviews");
        vm.prank(owner);
        market.setReviewModule(reviews);
        (bytes32 taskId, Task memory task) = _matchTask(1, 1);
        vm.warp(task.commitDeadline + 1);
        market.finalize(taskId, task, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNotReviewable.selector, taskId));
        vm.prank(reviews);
        market.consumeReviewRight(taskId, task, 0, 0);
    }

    // ---------------------------------------------------------------- parameters

    function test_setParams_boundsAndOwner() public {
        IComputeMarket.MarketParams memory params = IComputeMarket.MarketParams({
            protocolFeeBps: 200, matcherFeeBps: 100, commitWindow: 1 hours, revealWindow: 1 hours
        });
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, client));
        vm.prank(client);
        market.setParams(params);
        vm.prank(owner);
        market.setParams(params);
        assertEq(market.params().commitWindow, 1 hours);

        params.protocolFeeBps = 1001;
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.ComputeParamOutOfBounds.selector, bytes32("protocolFeeBps"), 1001, 0, 1000
            )
        );
        vm.prank(owner);
        market.setParams(params);
        params.protocolFeeBps = 0;
        params.commitWindow = 2 days;
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.ComputeParamOutOfBounds.selector,
                bytes32("commitWindow"),
                2 days,
                1 minutes,
                1 days
            )
        );
        vm.prank(owner);
        market.setParams(params);
    }

    function test_parameterChangeDoesNotAlterOpenTask() public {
        (bytes32 taskId, Task memory task) = _matchTask(1, 1);
        vm.prank(owner);
        market.setParams(
            IComputeMarket.MarketParams({
                protocolFeeBps: 1000, matcherFeeBps: 1000, commitWindow: 1 minutes, revealWindow: 1 minutes
            })
        );
        vm.prank(providers[0]);
        market.submitResult(taskId, task, RESULT, FUEL);
        assertEq(_free(client), CLIENT_FUNDS - _charged(1, FUEL));
    }

    // ---------------------------------------------------------------- helpers

    function _charged(uint256 paid, uint64 fuel) internal pure returns (uint256) {
        uint256 cost = uint256(fuel) * PRICE * paid;
        return cost + cost * PROTOCOL_FEE_BPS / 10_000 + cost * MATCHER_FEE_BPS / 10_000;
    }

    function _assertConserved() internal view {
        uint256 accounted = _free(client) + _locked(client);
        for (uint256 i = 0; i < providers.length; ++i) {
            accounted += _free(providers[i]) + _locked(providers[i]);
        }
        IComputeMarket.FeePot memory pot = market.feesOf(matcher, address(usd));
        IComputeMarket.FeePot memory direct = market.feesOf(address(0), address(usd));
        accounted += pot.matcherFees + pot.protocolFees + direct.matcherFees + direct.protocolFees;
        assertEq(usd.balanceOf(address(market)), accounted, "escrow balance equals the sum of balances");
    }
}
