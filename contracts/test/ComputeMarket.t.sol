// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {ComputeMarket} from "../src/ComputeMarket.sol";
import {IComputeMarket} from "../src/interfaces/IComputeMarket.sol";
import {IEscrow} from "../src/interfaces/IEscrow.sol";
import {IProviderRegistry} from "../src/interfaces/IProviderRegistry.sol";
import {IReplicatedVerifier} from "../src/interfaces/IReplicatedVerifier.sol";
import {OrderCalldataLib} from "../src/libraries/OrderCalldataLib.sol";
import {Ask, Bid, Task, TaskStatus} from "../src/types/Orders.sol";
import {ComputeDigests} from "./utils/ComputeDigests.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";
import {SeatedRecord} from "./utils/SeatedRecord.sol";

contract ComputeMarketTest is MarketFixture {
    using ComputeDigests for ComputeMarket;

    bytes32 internal constant RESULT = keccak256("the output");
    bytes32 internal constant WRONG = keccak256("a wrong output");
    uint64 internal constant FUEL = 400_000;

    // ---------------------------------------------------------------- matching

    function test_matchOrders_locksEscrowAndStoresTask() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        uint256 lock = _lockFor(3, true);
        assertEq(_locked(client), lock);
        assertEq(_free(client), CLIENT_FUNDS - lock);
        IComputeMarket.LaneState memory lane = market.laneState(client, uint32(task.nonce >> 32));
        assertEq(uint8(lane.status), uint8(TaskStatus.Matched));
        assertEq(lane.seq, uint32(task.nonce));
        assertEq(lane.floor, uint32(task.nonce) + 1);
        assertEq(lane.head, bytes23(keccak256(_record(task))));
        assertEq(uint8(_status(task)), uint8(TaskStatus.Matched));
        assertEq(taskId, market.taskIdOf(client, task.nonce));
        // Drawn seats fill no ask, but each counts an open task against its provider's stake.
        for (uint256 i = 0; i < 3; ++i) {
            assertEq(market.openTasksOf(task.providers[i]), 1);
        }
    }

    function test_matchOrders_emitsTheRecord() public {
        Bid memory bid = _bid(1, 1);
        bid.encryptionKey = keccak256("the client's public key");
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        Task memory task = _taskFor(bid, matcher);
        bytes memory bidSignature = _signBid(bid);
        vm.expectEmit(address(market));
        emit IComputeMarket.TaskMatched(
            market.taskIdOf(client, bid.nonce),
            client,
            abi.encodePacked(
                bid.encryptionKey,
                uint8(APP_CID.length),
                APP_CID,
                uint8(INPUT_CID.length),
                INPUT_CID,
                _record(task)
            )
        );
        vm.prank(matcher);
        market.matchOrders(_orders(bid, bidSignature, asks, signatures));
    }

    function test_seat_paysEverySeatTheHighestFloorAndRefundsTheRest() public {
        vm.prank(providers[0]);
        pool.join(address(usd), 3, uint32(block.timestamp + 1 days));
        vm.prank(providers[1]);
        pool.join(address(usd), 5, uint32(block.timestamp + 1 days));
        vm.prank(providers[2]);
        pool.join(address(usd), 7, uint32(block.timestamp + 1 days)); // above the bid: never drawn
        vm.roll(block.number + 1);
        Bid memory bid = _bid(2, 2);
        bid.maxPricePerFuel = 6;
        Task memory task = _taskFor(bid, matcher);
        bytes memory orders = _orders(bid, _signBid(bid), new Ask[](0), new bytes[](0));
        uint256 free = _free(client);
        vm.prank(matcher);
        market.matchOrders(orders);
        uint256 lockedAtBid = market.lockAmount(6, MAX_FUEL, 2, PROTOCOL_FEE_BPS, MATCHER_FEE_BPS);
        assertEq(_locked(client), lockedAtBid);
        _seat(bid, task);
        assertEq(task.providers.length, 2);
        assertEq(task.providers[0], providers[0]);
        assertEq(task.providers[1], providers[1]);
        assertEq(task.pricePerFuel, 5, "both seats are paid the higher floor, 5, not the bid's 6");
        assertEq(market.laneState(client, uint32(bid.nonce >> 32)).head, bytes23(keccak256(_record(task))));
        uint256 lockedAtFloor = market.lockAmount(5, MAX_FUEL, 2, PROTOCOL_FEE_BPS, MATCHER_FEE_BPS);
        assertEq(_locked(client), lockedAtFloor);
        assertEq(
            _free(client), free - lockedAtFloor, "the lock above the seats' price is back with the client"
        );
    }

    function test_matchOrders_revertsWhen_bidExpired() public {
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        bytes memory bidSignature = _signBid(bid);
        vm.warp(bid.deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeBidExpired.selector, bid.deadline));
        vm.prank(matcher);
        market.matchOrders(_orders(bid, bidSignature, asks, signatures));
    }

    function test_matchOrders_revertsWhen_bidSignedByAnotherKey() public {
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        bytes memory forged = _sign(providerKeys[4], market.hashBid(bid));
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeInvalidSignature.selector, client));
        vm.prank(matcher);
        market.matchOrders(_orders(bid, forged, asks, signatures));
    }

    function test_matchOrders_revertsWhen_bidSignedForAnotherChain() public {
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        bytes memory bidSignature = _signBid(bid);
        vm.chainId(block.chainid + 1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeInvalidSignature.selector, client));
        vm.prank(matcher);
        market.matchOrders(_orders(bid, bidSignature, asks, signatures));
    }

    function test_matchOrders_revertsWhen_bidReplayed() public {
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        bytes memory bidSignature = _signBid(bid);
        vm.prank(matcher);
        market.matchOrders(_orders(bid, bidSignature, asks, signatures));
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNonceUsed.selector, client, bid.nonce));
        vm.prank(matcher);
        market.matchOrders(_orders(bid, bidSignature, asks, signatures));
    }

    function test_matchOrders_revertsWhen_sameNonceSignedTwice() public {
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        bytes memory bidSignature = _signBid(bid);
        vm.prank(matcher);
        market.matchOrders(_orders(bid, bidSignature, asks, signatures));
        bid.maxFuel = MAX_FUEL / 2;
        bidSignature = _signBid(bid);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNonceUsed.selector, client, bid.nonce));
        vm.prank(matcher);
        market.matchOrders(_orders(bid, bidSignature, asks, signatures));
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
            market.matchOrders(_orders(bid, bidSignature, new Ask[](0), new bytes[](0)));
        }
    }

    function test_matchOrders_revertsWhen_modeNotInstalled() public {
        Bid memory bid = _bid(1, 1);
        bid.mode = 1;
        bytes memory bidSignature = _signBid(bid);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeModeNotInstalled.selector, 1));
        vm.prank(matcher);
        market.matchOrders(_orders(bid, bidSignature, new Ask[](0), new bytes[](0)));
    }

    function test_matchOrders_revertsWhen_bidEmpty() public {
        Bid memory bid = _bid(1, 1);
        bid.appCid = "";
        bytes memory bidSignature = _signBid(bid);
        vm.expectRevert(IComputeMarket.ComputeInvalidBid.selector);
        vm.prank(matcher);
        market.matchOrders(_orders(bid, bidSignature, new Ask[](1), new bytes[](1)));
    }

    function test_matchOrders_revertsWhen_severalReplicasComeWithAsks() public {
        // Seats of a replicated task are drawn: the orders may not name them.
        Bid memory bid = _bid(3, 2);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(2);
        bytes memory bidSignature = _signBid(bid);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeAskCountMismatch.selector, 2, 0));
        vm.prank(matcher);
        market.matchOrders(_orders(bid, bidSignature, asks, signatures));
    }

    function test_matchOrders_revertsWhen_askExtra() public {
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(2);
        bytes memory bidSignature = _signBid(bid);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeAskCountMismatch.selector, 2, 1));
        vm.prank(matcher);
        market.matchOrders(_orders(bid, bidSignature, asks, signatures));
    }

    function test_matchOrders_revertsWhen_ordersMalformed() public {
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        bytes memory orders = _orders(bid, _signBid(bid), asks, signatures);
        bytes[3] memory malformed = [
            bytes.concat(orders, hex"00"),
            _truncate(orders, orders.length - 1),
            _truncate(orders, OrderCalldataLib.BID_HEAD_LENGTH - 1)
        ];
        for (uint256 i = 0; i < malformed.length; ++i) {
            vm.expectRevert(IComputeMarket.ComputeOrdersMalformed.selector);
            vm.prank(matcher);
            market.matchOrders(malformed[i]);
        }
    }

    /// @dev Orders cut anywhere past the bid's fixed terms never match: a shape error, never another task.
    /// A single-replica bid carries its one ask; a replicated bid carries none (its seats are drawn later).
    /// Every strict prefix of either is rejected.
    function testFuzz_matchOrders_revertsWhen_truncated(uint256 length, bool replicated) public {
        Bid memory bid = replicated ? _bid(3, 2) : _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(replicated ? 0 : 1);
        bytes memory orders = _orders(bid, _signBid(bid), asks, signatures);
        length = bound(length, 0, orders.length - 1);
        vm.prank(matcher);
        (bool ok, bytes memory reason) =
            address(market).call(abi.encodeCall(market.matchOrders, (_truncate(orders, length))));
        assertFalse(ok);
        bytes4 selector = bytes4(reason);
        assertTrue(
            selector == IComputeMarket.ComputeOrdersMalformed.selector
                || selector == IComputeMarket.ComputeAskCountMismatch.selector
        );
        assertEq(uint8(market.taskStatus(client, bid.nonce)), uint8(TaskStatus.None));
        assertEq(_locked(client), 0);
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
                // Packed orders carry the bid's token only: an ask signed for another token is another digest.
                ask.token = address(agora);
                expected =
                    abi.encodeWithSelector(IComputeMarket.ComputeInvalidSignature.selector, ask.provider);
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
            market.matchOrders(_orders(bid, bidSignature, asks, signatures));
        }
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
        market.matchOrders(_orders(first, firstSignature, asks, signatures));
        Bid memory second = _bid(1, 1);
        bytes memory secondSignature = _signBid(second);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeAskExhausted.selector, providers[0], ask.nonce)
        );
        vm.prank(matcher);
        market.matchOrders(_orders(second, secondSignature, asks, signatures));
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
        market.matchOrders(_orders(bid, bidSignature, asks, signatures));
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
        market.matchOrders(_orders(bid, bidSignature, asks, signatures));
    }

    function _truncate(bytes memory data, uint256 length) private pure returns (bytes memory cut) {
        cut = new bytes(length);
        for (uint256 i = 0; i < length; ++i) {
            cut[i] = data[i];
        }
    }

    function test_fill_byClientWithoutMatcherFee() public {
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        Task memory task = _taskFor(bid, address(0));
        vm.prank(client);
        assertEq(market.fill(_orders(bid, "", asks, signatures)), market.taskIdOf(client, bid.nonce));
        assertEq(_locked(client), _lockFor(1, false));
        vm.prank(providers[0]);
        market.submitResult(_record(task), RESULT, FUEL);
        uint256 cost = FUEL * PRICE;
        assertEq(_free(client), CLIENT_FUNDS - cost - cost * PROTOCOL_FEE_BPS / 10_000);
        assertEq(market.feesOf(address(0), address(usd)).matcherFees, 0);
    }

    function test_fill_revertsWhen_callerIsNotTheClient() public {
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNotClient.selector, matcher, client));
        vm.prank(matcher);
        market.fill(_orders(bid, "", asks, signatures));
    }

    // ---------------------------------------------------------------- single replica

    function test_submitResult_paysProviderFeesAndRefundsClient() public {
        (bytes32 taskId, Task memory task) = _matchTask(1, 1);
        vm.expectEmit(address(market));
        emit IComputeMarket.TaskSettled(
            taskId, RESULT, _settlement(TaskStatus.Finalized, FUEL, 1, 0, _charged(1, FUEL))
        );
        vm.prank(providers[0]);
        market.submitResult(_record(task), RESULT, FUEL);

        uint256 cost = FUEL * PRICE;
        assertEq(_free(providers[0]), cost);
        assertEq(_locked(client), 0);
        assertEq(_free(client), CLIENT_FUNDS - _charged(1, FUEL));
        IComputeMarket.FeePot memory pot = market.feesOf(matcher, address(usd));
        assertEq(pot.matcherFees, cost * MATCHER_FEE_BPS / 10_000);
        assertEq(pot.protocolFees, cost * PROTOCOL_FEE_BPS / 10_000);
        assertEq(uint8(_status(task)), uint8(TaskStatus.Finalized));
        _assertConserved();
    }

    function test_submitResult_revertsWhen_notTheProvider() public {
        (, Task memory task) = _matchTask(1, 1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNotAssigned.selector, providers[1], 0));
        vm.prank(providers[1]);
        market.submitResult(_record(task), RESULT, FUEL);
    }

    function test_submitResult_revertsWhen_recordForged() public {
        (bytes32 taskId, Task memory task) = _matchTask(1, 1);
        task.pricePerFuel = uint128(PRICE * 10);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeRecordMismatch.selector, taskId));
        vm.prank(providers[0]);
        market.submitResult(_record(task), RESULT, FUEL);
    }

    function test_submitResult_revertsWhen_late_fuelTooHigh_replicated_settled_unknown() public {
        (, Task memory task) = _matchTask(1, 1);
        vm.startPrank(providers[0]);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeFuelAboveLimit.selector, MAX_FUEL + 1, MAX_FUEL)
        );
        market.submitResult(_record(task), RESULT, MAX_FUEL + 1);
        vm.warp(task.commitDeadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeCommitClosed.selector, task.commitDeadline)
        );
        market.submitResult(_record(task), RESULT, FUEL);
        Task memory unknown = task;
        unknown.nonce = task.nonce + (1 << 32);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.ComputeUnknownTask.selector, market.taskIdOf(client, unknown.nonce)
            )
        );
        market.submitResult(_record(unknown), RESULT, FUEL);
        vm.stopPrank();

        (, Task memory replicated) = _matchTask(3, 2);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeWrongReplicaCount.selector, 3));
        vm.prank(providers[0]);
        market.submitResult(_record(replicated), RESULT, FUEL);

        (bytes32 settledId, Task memory settled) = _matchTask(1, 1);
        vm.startPrank(providers[0]);
        market.submitResult(_record(settled), RESULT, FUEL);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.ComputeTaskNotOpen.selector, settledId, TaskStatus.Finalized
            )
        );
        market.submitResult(_record(settled), RESULT, FUEL);
        vm.stopPrank();
    }

    function test_finalize_singleReplicaTimeoutRefundsAndSlashes() public {
        (bytes32 taskId, Task memory task) = _matchTask(1, 1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeTooEarly.selector, taskId));
        _settler(task).finalize(_record(task), bytes32(0));
        vm.warp(task.commitDeadline + 1);
        _settler(task).finalize(_record(task), bytes32(0));
        assertEq(_free(client), CLIENT_FUNDS);
        assertEq(_locked(client), 0);
        assertEq(registry.providerOf(providers[0]).bonded, STAKE - STAKE * SLASH_BPS / 10_000);
        assertEq(agora.balanceOf(treasury), STAKE * SLASH_BPS / 10_000);
        assertEq(uint8(_status(task)), uint8(TaskStatus.Failed));
        _assertConserved();
    }

    // ---------------------------------------------------------------- replicated

    function test_replicated_honestProvidersArePaid() public {
        (, Task memory task) = _matchTask(3, 2);
        for (uint256 i = 0; i < 3; ++i) {
            _commit(task, i, RESULT, FUEL);
        }
        for (uint256 i = 0; i < 3; ++i) {
            _reveal(task, i, RESULT, FUEL);
        }

        for (uint256 i = 0; i < 3; ++i) {
            assertEq(_free(providers[i]), FUEL * PRICE);
        }
        assertEq(_free(client), CLIENT_FUNDS - _charged(3, FUEL));
        assertEq(_locked(client), 0);
        assertEq(uint8(_status(task)), uint8(TaskStatus.Finalized));
        for (uint256 i = 0; i < 3; ++i) {
            assertEq(registry.providerOf(providers[i]).bonded, STAKE);
        }
        _assertConserved();
    }

    function test_replicated_liarIsSlashedAndHonestArePaid() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        _commit(task, 0, RESULT, FUEL);
        _commit(task, 1, WRONG, FUEL);
        _commit(task, 2, RESULT, FUEL);
        _reveal(task, 0, RESULT, FUEL);
        _reveal(task, 2, RESULT, FUEL);
        _reveal(task, 1, WRONG, FUEL);
        // The liar revealed last and cannot name the agreed result; anyone settles with it at once.
        vm.expectEmit(address(market));
        emit IComputeMarket.TaskSettled(
            taskId, RESULT, _settlement(TaskStatus.Finalized, FUEL, 5, 2, _charged(2, FUEL))
        );
        _settler(task).finalize(_record(task), RESULT);

        assertEq(_free(providers[0]), FUEL * PRICE);
        assertEq(_free(providers[1]), 0);
        assertEq(_free(providers[2]), FUEL * PRICE);
        assertEq(registry.providerOf(providers[1]).bonded, STAKE - STAKE * SLASH_BPS / 10_000);
        assertGt(registry.providerOf(providers[1]).jailedUntil, block.timestamp);
        assertEq(_free(client), CLIENT_FUNDS - _charged(2, FUEL));
        _assertConserved();
    }

    function test_replicated_inflatedFuelCountsAsDissent() public {
        (, Task memory task) = _matchTask(3, 2);
        _commit(task, 0, RESULT, FUEL);
        _commit(task, 1, RESULT, FUEL * 2);
        _commit(task, 2, RESULT, FUEL);
        _reveal(task, 0, RESULT, FUEL);
        _reveal(task, 1, RESULT, FUEL * 2);
        _reveal(task, 2, RESULT, FUEL);
        assertEq(_free(providers[1]), 0);
        assertEq(_free(providers[0]), FUEL * PRICE);
    }

    function test_replicated_lastRevealerDissentingLeavesFinalizeWithTheResult() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        _commit(task, 0, RESULT, FUEL);
        _commit(task, 1, RESULT, FUEL);
        _commit(task, 2, WRONG, FUEL);
        _reveal(task, 0, RESULT, FUEL);
        _reveal(task, 1, RESULT, FUEL);
        _reveal(task, 2, WRONG, FUEL);
        assertEq(uint8(_status(task)), uint8(TaskStatus.Matched));
        vm.expectRevert(
            abi.encodeWithSelector(IReplicatedVerifier.ComputeResultHashMismatch.selector, taskId)
        );
        _settler(task).finalize(_record(task), WRONG);
        _settler(task).finalize(_record(task), RESULT);
        assertEq(uint8(_status(task)), uint8(TaskStatus.Finalized));
        assertEq(_free(providers[0]), FUEL * PRICE);
        assertEq(registry.providerOf(providers[2]).bonded, STAKE - STAKE * SLASH_BPS / 10_000);
        _assertConserved();
    }

    function test_replicated_noQuorumRefundsClientAndSlashesSilent() public {
        (, Task memory task) = _matchTask(3, 2);
        _commit(task, 0, RESULT, FUEL);
        _commit(task, 1, WRONG, FUEL);
        _commit(task, 2, keccak256("third"), FUEL);
        _reveal(task, 0, RESULT, FUEL);
        _reveal(task, 1, WRONG, FUEL);
        vm.warp(task.revealDeadline + 1);
        _settler(task).finalize(_record(task), bytes32(0));
        assertEq(uint8(_status(task)), uint8(TaskStatus.Failed));
        assertEq(_free(client), CLIENT_FUNDS);
        assertEq(registry.providerOf(providers[0]).bonded, STAKE);
        assertEq(registry.providerOf(providers[1]).bonded, STAKE);
        assertEq(registry.providerOf(providers[2]).bonded, STAKE - STAKE * SLASH_BPS / 10_000);
        _assertConserved();
    }

    function test_replicated_quorumImpossibleAfterCommitWindow() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        _commit(task, 0, RESULT, FUEL);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeTooEarly.selector, taskId));
        _settler(task).finalize(_record(task), bytes32(0));
        vm.warp(task.commitDeadline + 1);
        _settler(task).finalize(_record(task), bytes32(0));
        assertEq(_free(client), CLIENT_FUNDS);
        // The provider that committed is still inside its reveal window: only the two that never committed pay.
        assertEq(registry.providerOf(providers[0]).bonded, STAKE);
        assertEq(registry.providerOf(providers[1]).bonded, STAKE - STAKE * SLASH_BPS / 10_000);
    }

    function test_replicated_twoOfThreeAfterCommitWindowSettlesOnLastReveal() public {
        (, Task memory task) = _matchTask(3, 2);
        _commit(task, 0, RESULT, FUEL);
        _commit(task, 1, RESULT, FUEL);
        vm.warp(task.commitDeadline + 1);
        _reveal(task, 0, RESULT, FUEL);
        _reveal(task, 1, RESULT, FUEL);
        assertEq(uint8(_status(task)), uint8(TaskStatus.Finalized));
        assertEq(_free(client), CLIENT_FUNDS - _charged(2, FUEL));
        assertEq(registry.providerOf(providers[2]).bonded, STAKE - STAKE * SLASH_BPS / 10_000);
    }

    function test_replicated_committedButSilentIsSlashedAtRevealDeadline() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        for (uint256 i = 0; i < 3; ++i) {
            _commit(task, i, RESULT, FUEL);
        }
        _reveal(task, 0, RESULT, FUEL);
        _reveal(task, 1, RESULT, FUEL);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeTooEarly.selector, taskId));
        _settler(task).finalize(_record(task), RESULT);
        vm.warp(task.revealDeadline + 1);
        _settler(task).finalize(_record(task), RESULT);
        assertEq(_free(providers[0]), FUEL * PRICE);
        assertEq(_free(providers[2]), 0);
        assertEq(registry.providerOf(providers[2]).bonded, STAKE - STAKE * SLASH_BPS / 10_000);
        _assertConserved();
    }

    function test_commit_reverts() public {
        (, Task memory task) = _matchTask(3, 2);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNotAssigned.selector, providers[1], 0));
        vm.prank(providers[1]);
        verifier.commit(_record(task), 0, RESULT);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNotAssigned.selector, providers[0], 3));
        vm.prank(providers[0]);
        verifier.commit(_record(task), 3, RESULT);
        _commit(task, 0, RESULT, FUEL);
        vm.expectRevert(
            abi.encodeWithSelector(IReplicatedVerifier.ComputeAlreadyCommitted.selector, providers[0])
        );
        vm.prank(providers[0]);
        verifier.commit(_record(task), 0, RESULT);
        vm.warp(task.commitDeadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeCommitClosed.selector, task.commitDeadline)
        );
        vm.prank(providers[1]);
        verifier.commit(_record(task), 1, RESULT);

        // A one-replica task is the market's own: the verifier never opened it.
        (bytes32 singleId, Task memory single) = _matchTask(1, 1);
        vm.expectRevert(abi.encodeWithSelector(IReplicatedVerifier.ComputeRecordMismatch.selector, singleId));
        vm.prank(providers[0]);
        verifier.commit(_record(single), 0, RESULT);
    }

    function test_reveal_reverts() public {
        (, Task memory task) = _matchTask(3, 2);
        _commit(task, 0, RESULT, FUEL);
        _commit(task, 1, RESULT, FUEL);
        vm.expectRevert(IReplicatedVerifier.ComputeRevealNotOpen.selector);
        _reveal(task, 0, RESULT, FUEL);
        _commit(task, 2, RESULT, FUEL);

        vm.startPrank(providers[0]);
        vm.expectRevert(
            abi.encodeWithSelector(IReplicatedVerifier.ComputeCommitmentMismatch.selector, providers[0])
        );
        verifier.reveal(_record(task), 0, WRONG, FUEL, _salt(0));
        vm.expectRevert(
            abi.encodeWithSelector(IReplicatedVerifier.ComputeCommitmentMismatch.selector, providers[0])
        );
        verifier.reveal(_record(task), 0, RESULT, FUEL, _salt(9));
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeFuelAboveLimit.selector, MAX_FUEL + 1, MAX_FUEL)
        );
        verifier.reveal(_record(task), 0, RESULT, MAX_FUEL + 1, _salt(0));
        verifier.reveal(_record(task), 0, RESULT, FUEL, _salt(0));
        vm.expectRevert(
            abi.encodeWithSelector(IReplicatedVerifier.ComputeNotCommitted.selector, providers[0])
        );
        verifier.reveal(_record(task), 0, RESULT, FUEL, _salt(0));
        vm.stopPrank();

        vm.warp(task.revealDeadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IReplicatedVerifier.ComputeRevealClosed.selector, task.revealDeadline)
        );
        _reveal(task, 1, RESULT, FUEL);

        // A provider that never committed cannot reveal.
        (, Task memory other) = _matchTask(3, 2);
        _commit(other, 0, RESULT, FUEL);
        vm.warp(other.commitDeadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IReplicatedVerifier.ComputeNotCommitted.selector, providers[1])
        );
        _reveal(other, 1, RESULT, FUEL);
    }

    function test_reveal_cannotCopyAnotherProvidersCommitment() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        bytes32 honest = _commitment(taskId, providers[0], RESULT, FUEL, _salt(0));
        vm.prank(providers[0]);
        verifier.commit(_record(task), 0, honest);
        vm.prank(providers[1]);
        verifier.commit(_record(task), 1, honest);
        _commit(task, 2, RESULT, FUEL);
        vm.expectRevert(
            abi.encodeWithSelector(IReplicatedVerifier.ComputeCommitmentMismatch.selector, providers[1])
        );
        vm.prank(providers[1]);
        verifier.reveal(_record(task), 1, RESULT, FUEL, _salt(0));
    }

    /// A drawn provider seats the task with its own commitment: one transaction fewer, and the task runs as any other.
    function test_seatAndCommit_theFirstDrawnToFinishSeatsAndCommits() public {
        (bytes32 taskId, Task memory task, bytes memory pending, bytes memory content) = _matchPending(3, 2);
        vm.expectEmit(address(market));
        emit IComputeMarket.TaskMatched(taskId, client, bytes.concat(content, _record(task)));
        vm.expectEmit(address(verifier));
        emit IReplicatedVerifier.ResultCommitted(
            taskId, task.providers[1], _commitment(taskId, task.providers[1], RESULT, FUEL, _salt(1))
        );
        _seatAndCommit(task, pending, content, 1, RESULT, FUEL);
        _commit(task, 0, RESULT, FUEL);
        _revealLast(task, 2, RESULT, FUEL);
        _reveal(task, 0, RESULT, FUEL);
        _reveal(task, 1, RESULT, FUEL);

        assertEq(uint8(_status(task)), uint8(TaskStatus.Finalized));
        for (uint256 i = 0; i < 3; ++i) {
            assertEq(_free(task.providers[i]), FUEL * task.pricePerFuel);
        }
        _assertConserved();
    }

    function test_seatAndCommit_reverts() public {
        (bytes32 taskId, Task memory task, bytes memory pending, bytes memory content) = _matchPending(3, 2);
        // Someone the draw did not seat there: the seat is undone with it, and the task stays pending.
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeNotAssigned.selector, task.providers[0], 1)
        );
        vm.prank(task.providers[0]);
        verifier.seatAndCommit(pending, content, 1, RESULT);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNotAssigned.selector, providers[4], 3));
        vm.prank(providers[4]);
        verifier.seatAndCommit(pending, content, 3, RESULT);
        // Still pending: the drawn provider seats it now.
        _seatAndCommit(task, pending, content, 0, RESULT, FUEL);
        // Seated since: the pending record is not the task's any more.
        vm.expectRevert(abi.encodeWithSelector(IReplicatedVerifier.ComputeRecordMismatch.selector, taskId));
        vm.prank(task.providers[1]);
        verifier.seatAndCommit(pending, content, 1, RESULT);

        (, Task memory late, bytes memory latePending, bytes memory lateContent) = _matchPending(3, 2);
        vm.warp(late.commitDeadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeCommitClosed.selector, late.commitDeadline)
        );
        vm.prank(late.providers[0]);
        verifier.seatAndCommit(latePending, lateContent, 0, RESULT);
    }

    function test_revealLast_theLastToCommitRevealsAtOnceAndTheTaskSettles() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        _commit(task, 0, RESULT, FUEL);
        _commit(task, 1, RESULT, FUEL);
        vm.expectEmit(address(verifier));
        emit IReplicatedVerifier.ResultRevealed(taskId, providers[2], RESULT, FUEL);
        _revealLast(task, 2, RESULT, FUEL);
        assertEq(uint8(_status(task)), uint8(TaskStatus.Matched), "the others have not revealed yet");
        _reveal(task, 0, RESULT, FUEL);
        _reveal(task, 1, RESULT, FUEL);

        assertEq(uint8(_status(task)), uint8(TaskStatus.Finalized));
        for (uint256 i = 0; i < 3; ++i) {
            assertEq(_free(providers[i]), FUEL * PRICE);
        }
        assertEq(_free(client), CLIENT_FUNDS - _charged(3, FUEL));
        _assertConserved();
    }

    /// The last to commit reveals first, so the others see its result before revealing: they are bound by their
    /// commitments and cannot switch to it. A copier that committed garbage is slashed.
    function test_revealLast_showsNothingTheOthersCanStillUse() public {
        (, Task memory task) = _matchTask(3, 2);
        _commit(task, 0, RESULT, FUEL);
        _commit(task, 1, WRONG, FUEL);
        _revealLast(task, 2, RESULT, FUEL);
        vm.expectRevert(
            abi.encodeWithSelector(IReplicatedVerifier.ComputeCommitmentMismatch.selector, providers[1])
        );
        _reveal(task, 1, RESULT, FUEL);
        _reveal(task, 1, WRONG, FUEL);
        _reveal(task, 0, RESULT, FUEL);

        assertEq(_free(providers[0]), FUEL * PRICE);
        assertEq(_free(providers[1]), 0, "the committed dissent is not paid");
        assertEq(_free(providers[2]), FUEL * PRICE);
        assertEq(registry.providerOf(providers[1]).bonded, STAKE - STAKE * SLASH_BPS / 10_000);
        _assertConserved();
    }

    function test_revealLast_reverts() public {
        (, Task memory task) = _matchTask(3, 2);
        _commit(task, 0, RESULT, FUEL);
        // Another provider has not committed: this reveal would show it the result.
        vm.expectRevert(
            abi.encodeWithSelector(IReplicatedVerifier.ComputeNotLastToCommit.selector, providers[1], 1, 3)
        );
        _revealLast(task, 1, RESULT, FUEL);
        vm.expectRevert(
            abi.encodeWithSelector(IReplicatedVerifier.ComputeAlreadyCommitted.selector, providers[0])
        );
        _revealLast(task, 0, RESULT, FUEL);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNotAssigned.selector, providers[2], 1));
        vm.prank(providers[2]);
        verifier.revealLast(_record(task), 1, RESULT, FUEL);
        _commit(task, 1, RESULT, FUEL);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeFuelAboveLimit.selector, MAX_FUEL + 1, MAX_FUEL)
        );
        _revealLast(task, 2, RESULT, MAX_FUEL + 1);

        // After the commit window the set of commitments is closed, and the others' reveals may be public.
        vm.warp(task.commitDeadline + 1);
        _reveal(task, 0, RESULT, FUEL);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeCommitClosed.selector, task.commitDeadline)
        );
        _revealLast(task, 2, RESULT, FUEL);
        _reveal(task, 1, RESULT, FUEL);
        assertEq(uint8(_status(task)), uint8(TaskStatus.Finalized));
        assertEq(_free(providers[2]), 0, "the silent provider is not paid");
    }

    // ---------------------------------------------------------------- cancellation

    function test_cancelBid_preventsMatching() public {
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        bytes memory bidSignature = _signBid(bid);
        vm.prank(client);
        market.cancelBid(bid.nonce);
        assertEq(uint8(market.taskStatus(client, bid.nonce)), uint8(TaskStatus.Retired));
        assertFalse(market.isNonceUsable(client, bid.nonce));
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNonceUsed.selector, client, bid.nonce));
        vm.prank(matcher);
        market.matchOrders(_orders(bid, bidSignature, asks, signatures));
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNonceUsed.selector, client, bid.nonce));
        vm.prank(client);
        market.cancelBid(bid.nonce);
    }

    function test_cancelBid_whileTheLaneIsBusy_retiresLowerSequencesAndKeepsTheOpenTask() public {
        bidLane = 7;
        (, Task memory open) = _matchTask(1, 1);
        Bid memory pending = _bid(1, 1);
        Bid memory later = _bid(1, 1);
        vm.prank(client);
        market.cancelBid(pending.nonce);
        vm.prank(providers[0]);
        market.submitResult(_record(open), RESULT, FUEL);
        assertEq(uint8(_status(open)), uint8(TaskStatus.Finalized));

        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        bytes memory pendingSignature = _signBid(pending);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeNonceUsed.selector, client, pending.nonce)
        );
        vm.prank(matcher);
        market.matchOrders(_orders(pending, pendingSignature, asks, signatures));
        assertTrue(market.isNonceUsable(client, later.nonce));
        bytes memory laterSignature = _signBid(later);
        vm.prank(matcher);
        market.matchOrders(_orders(later, laterSignature, asks, signatures));
        assertEq(uint8(market.taskStatus(client, later.nonce)), uint8(TaskStatus.Matched));
        assertEq(uint8(_status(open)), uint8(TaskStatus.Retired));
    }

    // ---------------------------------------------------------------- lanes

    function test_lane_holdsOneOpenTaskAndIsReusedAfterSettlement() public {
        bidLane = 3;
        (, Task memory first) = _matchTask(1, 1);
        Bid memory second = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        bytes memory bidSignature = _signBid(second);
        assertFalse(market.isNonceUsable(client, second.nonce));
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeLaneBusy.selector, client, uint32(3)));
        vm.prank(matcher);
        market.matchOrders(_orders(second, bidSignature, asks, signatures));

        vm.prank(providers[0]);
        market.submitResult(_record(first), RESULT, FUEL);
        bytes23 settledHead = market.laneState(client, 3).head;
        Task memory expected = _taskFor(second, matcher);
        assertEq(expected.previous, settledHead);
        vm.prank(matcher);
        market.matchOrders(_orders(second, bidSignature, asks, signatures));
        assertEq(market.laneState(client, 3).head, bytes23(keccak256(_record(expected))));

        // The old record no longer opens anything; the new one settles.
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.ComputeTaskNotOpen.selector,
                market.taskIdOf(client, first.nonce),
                TaskStatus.Retired
            )
        );
        vm.prank(providers[0]);
        market.submitResult(_record(first), RESULT, FUEL);
        vm.prank(providers[0]);
        market.submitResult(_record(expected), RESULT, FUEL);
        assertEq(_free(providers[0]), 2 * FUEL * PRICE);
        _assertConserved();
    }

    function test_lane_lowerOrLastSequenceIsRefused() public {
        bidLane = 4;
        nextSeq = 10;
        (, Task memory task) = _matchTask(1, 1);
        vm.prank(providers[0]);
        market.submitResult(_record(task), RESULT, FUEL);
        nextSeq = 5;
        Bid memory stale = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        bytes memory signature = _signBid(stale);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNonceUsed.selector, client, stale.nonce));
        vm.prank(matcher);
        market.matchOrders(_orders(stale, signature, asks, signatures));

        Bid memory last = _bid(1, 1);
        last.nonce = (uint64(4) << 32) | type(uint32).max;
        signature = _signBid(last);
        vm.expectRevert(IComputeMarket.ComputeInvalidBid.selector);
        vm.prank(matcher);
        market.matchOrders(_orders(last, signature, asks, signatures));
    }

    function test_lane_replicaWordsOfAnEarlierTaskDoNotCount() public {
        bidLane = 5;
        (, Task memory first) = _matchTask(3, 2);
        for (uint256 i = 0; i < 3; ++i) {
            _commit(first, i, RESULT, FUEL);
        }
        for (uint256 i = 0; i < 3; ++i) {
            _reveal(first, i, RESULT, FUEL);
        }
        assertEq(uint8(_status(first)), uint8(TaskStatus.Finalized));

        // Same lane, same replica slots: the words of the first task must not open reveals or settle the second.
        (bytes32 taskId, Task memory second) = _matchTask(3, 2);
        _commit(second, 0, RESULT, FUEL);
        vm.expectRevert(IReplicatedVerifier.ComputeRevealNotOpen.selector);
        vm.prank(providers[0]);
        verifier.reveal(_record(second), 0, RESULT, FUEL, _salt(0));
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeTooEarly.selector, taskId));
        _settler(second).finalize(_record(second), RESULT);
        _commit(second, 1, RESULT, FUEL);
        _commit(second, 2, RESULT, FUEL);
        _reveal(second, 0, RESULT, FUEL);
        _reveal(second, 1, RESULT, FUEL);
        assertEq(uint8(_status(second)), uint8(TaskStatus.Matched));
        _reveal(second, 2, RESULT, FUEL);
        assertEq(uint8(_status(second)), uint8(TaskStatus.Finalized));
        assertEq(_free(providers[2]), 2 * FUEL * PRICE);
        _assertConserved();
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
        market.matchOrders(_orders(bid, bidSignature, asks, signatures));
    }

    // ---------------------------------------------------------------- parameters

    function test_constructor_revertsWhenTheRegistryHasNoCode() public {
        // The market calls the registry without the compiler's code check, so a registry without code would
        // pass every eligibility check; the constructor refuses one.
        address notARegistry = makeAddr("not a registry");
        IComputeMarket.MarketParams memory params = market.params();
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeRegistryNotContract.selector, notARegistry)
        );
        new ComputeMarket(IProviderRegistry(notARegistry), pool, owner, treasury, params);
    }

    function test_seat_passesOverMembersEvictedBeforeTheMatch() public {
        // Jailed after joining, and unbonding below the minimum stake after joining: evicted, neither is drawn.
        _poolOnly(4);
        vm.prank(owner);
        registry.jail(providers[2], uint40(block.timestamp + 1 days));
        vm.prank(providers[3]);
        registry.requestUnbond(uint96(STAKE - MIN_STAKE + 1));
        pool.evict(address(usd), providers[2]);
        pool.evict(address(usd), providers[3]);
        vm.roll(block.number + 1);
        Bid memory bid = _bid(2, 2);
        Task memory task = _taskFor(bid, matcher);
        bytes memory orders = _orders(bid, _signBid(bid), new Ask[](0), new bytes[](0));
        vm.prank(matcher);
        market.matchOrders(orders);
        _seat(bid, task);
        assertEq(task.providers[0], providers[0]);
        assertEq(task.providers[1], providers[1]);
    }

    /// A member that pulls out once the seed is known (to re-roll the seats) is seated all the same, and is slashed
    /// as a no-show if it does not serve.
    function test_seat_keepsMembersThatLeaveAfterTheMatch() public {
        _poolOnly(2);
        Bid memory bid = _bid(2, 2);
        Task memory task = _taskFor(bid, matcher);
        bytes memory orders = _orders(bid, _signBid(bid), new Ask[](0), new bytes[](0));
        vm.prank(matcher);
        market.matchOrders(orders);
        bytes memory pending = _pendingRecord(bid, task);
        vm.roll(block.number + 1);
        vm.prank(providers[1]);
        pool.leave(address(usd));
        vm.prank(providers[1]);
        registry.requestUnbond(uint96(STAKE));
        bytes memory seated = market.seat(pending, _content(bid));
        task.providers = SeatedRecord.providers(seated);
        task.pricePerFuel = uint128(SeatedRecord.pricePerFuel(seated));
        assertEq(task.providers[1], providers[1]);
        _commit(task, 0, RESULT, 1000);
        vm.warp(task.commitDeadline + 1);
        uint256 unbondingBefore = registry.providerOf(providers[1]).unbonding;
        verifier.finalize(_record(task), bytes32(0));
        assertLt(
            registry.providerOf(providers[1]).unbonding, unbondingBefore, "slashed from its unbonding stake"
        );
    }

    function test_seat_refusesTheMatchBlockAndAnUnknownContent() public {
        _poolOnly(3);
        Bid memory bid = _bid(3, 2);
        Task memory task = _taskFor(bid, matcher);
        bytes memory orders = _orders(bid, _signBid(bid), new Ask[](0), new bytes[](0));
        vm.prank(matcher);
        bytes32 taskId = market.matchOrders(orders);
        bytes memory pending = _pendingRecord(bid, task);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeDrawUnavailable.selector, taskId, block.number)
        );
        market.seat(pending, _content(bid));
        vm.roll(block.number + 1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeContentMismatch.selector, taskId));
        market.seat(pending, hex"00");
        vm.expectRevert(abi.encodeWithSelector(IReplicatedVerifier.ComputeRecordMismatch.selector, taskId));
        vm.prank(providers[0]);
        verifier.commit(pending, 0, bytes32(uint256(1)));
    }

    function test_finalize_refundsATaskNeverSeated() public {
        _poolOnly(3);
        Bid memory bid = _bid(3, 2);
        Task memory task = _taskFor(bid, matcher);
        bytes memory orders = _orders(bid, _signBid(bid), new Ask[](0), new bytes[](0));
        vm.prank(matcher);
        bytes32 taskId = market.matchOrders(orders);
        bytes memory pending = _pendingRecord(bid, task);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeTooEarly.selector, taskId));
        market.finalize(pending, bytes32(0));
        // 257 blocks on, the seed's block hash is gone: the task cannot be seated any more.
        vm.roll(block.number + 257);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeDrawUnavailable.selector, taskId, block.number - 257)
        );
        market.seat(pending, _content(bid));
        vm.warp(task.commitDeadline + 1);
        market.finalize(pending, bytes32(0));
        assertEq(uint8(_status(task)), uint8(TaskStatus.Failed));
        assertEq(_free(client), CLIENT_FUNDS);
        assertEq(_locked(client), 0);
        for (uint256 i = 0; i < 3; ++i) {
            assertEq(registry.providerOf(providers[i]).bonded, STAKE);
        }
    }

    function test_setParams_boundsAndOwner() public {
        IComputeMarket.MarketParams memory params = IComputeMarket.MarketParams({
            protocolFeeBps: 200,
            matcherFeeBps: 100,
            commitWindow: 1 hours,
            revealWindow: 1 hours,
            minStake: MIN_STAKE
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
        params.commitWindow = 1 hours;
        params.minStake = 0;
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.ComputeParamOutOfBounds.selector,
                bytes32("minStake"),
                0,
                1,
                market.MAX_MIN_STAKE()
            )
        );
        vm.prank(owner);
        market.setParams(params);
    }

    function test_parameterChangeDoesNotAlterOpenTask() public {
        (, Task memory task) = _matchTask(1, 1);
        vm.prank(owner);
        market.setParams(
            IComputeMarket.MarketParams({
                protocolFeeBps: 1000,
                matcherFeeBps: 1000,
                commitWindow: 1 minutes,
                revealWindow: 1 minutes,
                minStake: MIN_STAKE
            })
        );
        vm.prank(providers[0]);
        market.submitResult(_record(task), RESULT, FUEL);
        assertEq(_free(client), CLIENT_FUNDS - _charged(1, FUEL));
    }

    // ---------------------------------------------------------------- helpers

    /// @dev `TaskSettled.settlement` as its documentation lays it out.
    function _settlement(
        TaskStatus status,
        uint64 fuel,
        uint256 paidMask,
        uint256 slashedMask,
        uint256 charged
    ) internal pure returns (uint256) {
        return uint256(status) * 2 ** 224 + uint256(fuel) * 2 ** 160 + paidMask * 2 ** 144 + slashedMask * 2
            ** 128 + charged;
    }
}
