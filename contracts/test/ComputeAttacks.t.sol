// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm} from "forge-std/Vm.sol";

import {ComputeMarket} from "../src/ComputeMarket.sol";
import {IComputeMarket} from "../src/interfaces/IComputeMarket.sol";
import {IProviderMirror} from "../src/interfaces/IProviderMirror.sol";
import {IProviderRegistry} from "../src/interfaces/IProviderRegistry.sol";
import {IReplicatedVerifier} from "../src/interfaces/IReplicatedVerifier.sol";
import {Ask, Bid, Task, TaskStatus} from "../src/types/Orders.sol";
import {ComputeDigests} from "./utils/ComputeDigests.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";
import {SeatedRecord} from "./utils/SeatedRecord.sol";

/// @notice A mirror an owner with every power could add: it reverts on every update and every question.
contract RevertingMirror is IProviderMirror {
    function onProviderChanged(address, uint96, uint40, IProviderRegistry.ProviderStatus) external pure {
        revert("hostile mirror");
    }

    function openTasksOf(address) external pure returns (uint256) {
        revert("hostile mirror");
    }
}

/// @notice A mirror that burns all the gas it is given.
contract GasBurningMirror is IProviderMirror {
    function onProviderChanged(address, uint96, uint40, IProviderRegistry.ProviderStatus) external pure {
        while (true) {}
    }

    function openTasksOf(address) external pure returns (uint256) {
        while (true) {}
        return 0;
    }
}

/// @notice Each attack on the compute market's money paths that an audit reproduced, as the attacker would try it,
/// with the outcome the honest parties are owed.
contract ComputeAttacksTest is MarketFixture {
    using ComputeDigests for ComputeMarket;
    bytes32 internal constant RESULT = keccak256("the output");
    bytes32 internal constant WRONG = keccak256("a wrong output");
    uint64 internal constant FUEL = 400_000;
    uint96 internal constant SLASHED_STAKE = STAKE - STAKE * SLASH_BPS / 10_000;

    // ------------------------------------------- the settled result is the one the quorum revealed

    /// A quorum revealed RESULT; a front-runner calls `finalize` with a hash sharing RESULT's leading bits.
    /// Attack 1: the submitter of a match names two sybils and one honest provider as the replicas of a 3-replica
    /// task. Seats are drawn instead: orders naming them are refused, and sybils that join, rejoin or top up their
    /// stake once the seed's block is out are passed over by the draw.
    function test_attack_submitterPicksItsOwnQuorum() public {
        _poolOnly(3); // the honest providers 0, 1 and 2
        Bid memory bid = _bid(3, 2);
        bytes memory bidSignature = _signBid(bid);
        Ask[] memory asks = new Ask[](3);
        bytes[] memory signatures = new bytes[](3);
        for (uint256 i = 0; i < 3; ++i) {
            asks[i] = _ask(i == 0 ? 0 : i + 2); // providers 3 and 4 are the submitter's sybils
            signatures[i] = _sign(providerKeys[i == 0 ? 0 : i + 2], market.hashAsk(asks[i]));
        }
        bytes memory chosen = _orders(bid, bidSignature, asks, signatures);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeAskCountMismatch.selector, 3, 0));
        vm.prank(matcher);
        market.matchOrders(chosen);

        Task memory task = _taskFor(bid, matcher);
        bytes memory bidOnly = _orders(bid, bidSignature, new Ask[](0), new bytes[](0));
        vm.prank(matcher);
        market.matchOrders(bidOnly);
        bytes memory pending = _pendingRecord(bid, task);
        // In the match's block, after it: the sybils join (one even restakes first); the seed is still unknown.
        for (uint256 i = 3; i < 5; ++i) {
            vm.prank(providers[i]);
            pool.join(address(usd), uint96(PRICE), uint32(block.timestamp + 1 days));
        }
        vm.roll(block.number + 1);
        task.providers = SeatedRecord.providers(market.seat(pending, _content(bid)));
        for (uint256 i = 0; i < 3; ++i) {
            assertEq(task.providers[i], providers[i], "only members from before the match are drawn");
        }
    }

    function test_attack_frontRunnerSettlesAHashNobodyRevealed() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        for (uint256 i = 0; i < 3; ++i) {
            _commit(task, i, RESULT, FUEL);
        }
        _reveal(task, 0, RESULT, FUEL);
        _reveal(task, 1, RESULT, FUEL);
        vm.warp(task.revealDeadline + 1);
        address frontRunner = makeAddr("front-runner");
        bytes32[3] memory forgeries =
            [RESULT ^ bytes32(uint256(1)), RESULT ^ bytes32(uint256(1 << 103)), WRONG];
        for (uint256 i = 0; i < forgeries.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IReplicatedVerifier.ComputeResultHashMismatch.selector, taskId)
            );
            vm.prank(frontRunner);
            _settler(task).finalize(_record(task), forgeries[i]);
        }
        vm.recordLogs();
        vm.prank(frontRunner);
        _settler(task).finalize(_record(task), RESULT);
        assertEq(_settledHash(), RESULT, "the settlement carries exactly the revealed hash");
        assertEq(uint8(_status(task)), uint8(TaskStatus.Finalized));
    }

    /// A quorum member commits RESULT with its lowest bit flipped and reveals last: it must count as dissenting,
    /// and its hash must not become the settlement's.
    function test_attack_quorumMemberCommitsFlippedHash() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        bytes32 flipped = RESULT ^ bytes32(uint256(1));
        _commit(task, 0, RESULT, FUEL);
        _commit(task, 1, RESULT, FUEL);
        _commit(task, 2, flipped, FUEL);
        _reveal(task, 0, RESULT, FUEL);
        _reveal(task, 1, RESULT, FUEL);
        _reveal(task, 2, flipped, FUEL);
        assertEq(uint8(_status(task)), uint8(TaskStatus.Matched), "the flipped reveal does not settle");
        vm.expectRevert(
            abi.encodeWithSelector(IReplicatedVerifier.ComputeResultHashMismatch.selector, taskId)
        );
        _settler(task).finalize(_record(task), flipped);
        vm.recordLogs();
        _settler(task).finalize(_record(task), RESULT);
        assertEq(_settledHash(), RESULT);
        assertEq(_free(providers[0]), FUEL * PRICE);
        assertEq(_free(providers[1]), FUEL * PRICE);
        assertEq(_free(providers[2]), 0, "the flipper is not paid");
        assertEq(registry.providerOf(providers[2]).bonded, SLASHED_STAKE, "the flipper is slashed");
    }

    // ------------------------------------------- a copied match pays the copier nothing

    /// Attack 8: a front-runner copies a signed bid (and the ask a matcher paired it with) from a book or the mempool
    /// and submits the match itself, for the matcher fee. The bid names its matcher, so the copy fails the bid's
    /// signature check; the named matcher's match then goes through and it alone earns the fee.
    function test_attack_copierFrontRunsAMatchForItsFee() public {
        address copier = makeAddr("copier");
        for (uint8 replicas = 1; replicas <= 3; replicas += 2) {
            Bid memory bid = _bid(replicas, replicas == 1 ? 1 : 2);
            bytes memory orders;
            if (replicas == 1) {
                (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
                orders = _orders(bid, _signBid(bid), asks, signatures);
            } else {
                _poolOnly(3);
                orders = _orders(bid, _signBid(bid), new Ask[](0), new bytes[](0));
            }
            uint256 clientFree = _free(client);
            vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeInvalidSignature.selector, client));
            vm.prank(copier);
            market.matchOrders(orders);
            assertEq(_free(client), clientFree, "the copy locks nothing");
            assertEq(uint8(market.taskStatus(client, bid.nonce)), uint8(TaskStatus.None));

            Task memory task = _taskFor(bid, matcher);
            vm.prank(matcher);
            market.matchOrders(orders);
            assertEq(uint8(market.taskStatus(client, bid.nonce)), uint8(TaskStatus.Matched));
            if (replicas == 1) {
                vm.prank(task.providers[0]);
                market.submitResult(_record(task), RESULT, FUEL);
                assertGt(
                    market.feesOf(matcher, address(usd)).matcherFees, 0, "the named matcher earns the fee"
                );
            }
        }
        assertEq(market.feesOf(copier, address(usd)).matcherFees, 0, "the copier earns nothing");
    }

    /// Whoever submits a bid other than the matcher it names, the match is refused.
    function testFuzz_attack_copiedBidRefusedForEverySubmitter(address submitter) public {
        // No transaction comes from address(0) (the market reads a zero caller as the client's own `fill`).
        vm.assume(submitter != matcher && submitter != address(0));
        Bid memory bid = _bid(1, 1);
        (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
        bytes memory orders = _orders(bid, _signBid(bid), asks, signatures);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeInvalidSignature.selector, client));
        vm.prank(submitter);
        market.matchOrders(orders);
    }

    // ------------------------------------------- nobody is slashed inside its reveal window

    /// One of three commits on time; the others never do. Right after the commit window anyone may settle (no
    /// quorum can form), but the provider that committed still has its reveal window and must keep its stake.
    function test_attack_committedProviderSlashedInsideRevealWindow() public {
        (, Task memory task) = _matchTask(3, 2);
        _commit(task, 0, RESULT, FUEL);
        vm.warp(task.commitDeadline + 1);
        vm.prank(makeAddr("griefer"));
        _settler(task).finalize(_record(task), bytes32(0));
        assertEq(uint8(_status(task)), uint8(TaskStatus.Failed));
        assertEq(_free(client), CLIENT_FUNDS, "the client gets everything back");
        assertEq(
            registry.providerOf(providers[0]).bonded, STAKE, "the provider that committed keeps its stake"
        );
        assertEq(registry.providerOf(providers[1]).bonded, SLASHED_STAKE);
        assertEq(registry.providerOf(providers[2]).bonded, SLASHED_STAKE);
    }

    /// Once the reveal window is over, a provider that committed and stayed silent is slashed as before.
    function test_attack_committedButSilentPastRevealDeadlineIsSlashed() public {
        (, Task memory task) = _matchTask(3, 2);
        _commit(task, 0, RESULT, FUEL);
        vm.warp(task.revealDeadline + 1);
        _settler(task).finalize(_record(task), bytes32(0));
        assertEq(registry.providerOf(providers[0]).bonded, SLASHED_STAKE);
    }

    // ------------------------------------------- a no-show cannot take its stake out before its slash

    function test_attack_noShowUnbondsBeforeFinalize() public {
        (, Task memory task) = _matchTask(1, 1);
        address noShow = providers[0];
        assertEq(market.openTasksOf(noShow), 1);
        vm.startPrank(noShow);
        registry.leave();
        vm.warp(block.timestamp + 30 days);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.RegistryStakeBacksOpenTasks.selector, address(market), 1)
        );
        registry.withdrawStake();
        vm.stopPrank();

        // However late, the task settles and the slash lands on the stake that was still there.
        _settler(task).finalize(_record(task), bytes32(0));
        assertEq(market.openTasksOf(noShow), 0);
        assertEq(_free(client), CLIENT_FUNDS);
        uint256 before = agora.balanceOf(noShow);
        vm.prank(noShow);
        registry.withdrawStake();
        assertEq(agora.balanceOf(noShow) - before, SLASHED_STAKE, "only the slashed stake leaves");
    }

    /// The no-show sends its withdrawal with every gas limit from 20,000 to 150,000, hoping one starves the registry's
    /// question to the market so that its answer is skipped.
    function test_attack_noShowStarvesTheOpenTaskCheckOfGas() public {
        _matchTask(1, 1);
        address noShow = providers[0];
        vm.prank(noShow);
        registry.leave();
        vm.warp(block.timestamp + 30 days);
        bytes memory call = abi.encodeCall(registry.withdrawStake, ());
        bool escaped;
        for (uint256 gasLimit = 20_000; gasLimit < 150_000; gasLimit += 500) {
            uint256 snapshot = vm.snapshotState();
            vm.prank(noShow);
            (bool ok,) = address(registry).call{gas: gasLimit}(call);
            if (ok) escaped = true;
            vm.revertToState(snapshot);
        }
        assertFalse(escaped, "no gas limit lets stake that backs an open task leave");
    }

    function test_openTasksOf_countsEveryOpenTaskAcrossOutcomes() public {
        (, Task memory r1) = _matchTask(1, 1);
        (, Task memory r3) = _matchTask(3, 2);
        (, Task memory failing) = _matchTask(3, 2);
        assertEq(market.openTasksOf(providers[0]), 3);
        assertEq(market.openTasksOf(providers[2]), 2);
        vm.prank(providers[0]);
        market.submitResult(_record(r1), RESULT, FUEL);
        assertEq(market.openTasksOf(providers[0]), 2);
        for (uint256 i = 0; i < 3; ++i) {
            _commit(r3, i, i == 2 ? WRONG : RESULT, FUEL);
        }
        for (uint256 i = 0; i < 3; ++i) {
            _reveal(r3, i, i == 2 ? WRONG : RESULT, FUEL);
        }
        _settler(r3).finalize(_record(r3), RESULT);
        assertEq(market.openTasksOf(providers[0]), 1);
        assertEq(market.openTasksOf(providers[2]), 1, "a dissenter's task is settled too");
        vm.warp(failing.revealDeadline + 1);
        _settler(failing).finalize(_record(failing), bytes32(0));
        for (uint256 i = 0; i < 3; ++i) {
            assertEq(market.openTasksOf(providers[i]), 0);
        }
    }

    // ------------------------------------------- the owner cannot freeze escrow or trap stake

    /// The registry's owner revokes the market's slasher role while a task is open: the task still settles, the
    /// honest are paid and the client refunded; the slash is reported as refused.
    function test_attack_ownerRevokesSlasher_settlementStillPays() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        _commit(task, 0, RESULT, FUEL);
        _commit(task, 1, RESULT, FUEL);
        vm.prank(owner);
        registry.setSlasher(address(market), false);
        vm.warp(task.commitDeadline + 1);
        _reveal(task, 0, RESULT, FUEL);
        address[] memory faulty = new address[](1);
        faulty[0] = providers[2];
        vm.expectEmit(true, false, false, true, address(market));
        emit IComputeMarket.SlashRefused(taskId, faulty);
        _reveal(task, 1, RESULT, FUEL);
        assertEq(uint8(_status(task)), uint8(TaskStatus.Finalized));
        assertEq(_free(providers[0]), FUEL * PRICE);
        assertEq(_free(client), CLIENT_FUNDS - _charged(2, FUEL));
        assertEq(_locked(client), 0);
    }

    /// The owner adds a mirror that reverts on every call: settlements that slash, unbonding and withdrawals all
    /// still work, and the real market still hears every change.
    function test_attack_ownerAddsRevertingMirror_nothingIsBlocked() public {
        _addHostileMirror(address(new RevertingMirror()));
        _assertNothingBlocked();
    }

    /// Same with a mirror that burns all its gas: each call costs at most the registry's cap.
    function test_attack_ownerAddsGasBurningMirror_nothingIsBlocked() public {
        _addHostileMirror(address(new GasBurningMirror()));
        _assertNothingBlocked();
    }

    /// A caller cannot starve the slash of gas so that it fails and the settlement goes through without it.
    function test_attack_finalizerStarvesTheSlashOfGas() public {
        (, Task memory task) = _matchTask(1, 1);
        vm.warp(task.commitDeadline + 1);
        bytes memory call = abi.encodeCall(market.finalize, (_record(task), bytes32(0)));
        bool settledWithoutSlash;
        for (uint256 gasLimit = 60_000; gasLimit < 200_000; gasLimit += 2000) {
            uint256 snapshot = vm.snapshotState();
            (bool ok,) = address(market).call{gas: gasLimit}(call);
            if (ok && registry.providerOf(providers[0]).bonded == STAKE) settledWithoutSlash = true;
            vm.revertToState(snapshot);
        }
        assertFalse(settledWithoutSlash, "no gas limit settles the task without its slash");
        _settler(task).finalize(_record(task), bytes32(0));
        assertEq(registry.providerOf(providers[0]).bonded, SLASHED_STAKE);
    }

    // ------------------------------------------- helpers

    function _addHostileMirror(address mirror) internal {
        vm.prank(owner);
        registry.setMirror(mirror, true);
    }

    function _assertNothingBlocked() internal {
        (, Task memory task) = _matchTask(3, 2);
        _commit(task, 0, RESULT, FUEL);
        _commit(task, 1, RESULT, FUEL);
        vm.warp(task.commitDeadline + 1);
        _reveal(task, 0, RESULT, FUEL);
        _reveal(task, 1, RESULT, FUEL);
        assertEq(uint8(_status(task)), uint8(TaskStatus.Finalized));
        assertEq(registry.providerOf(providers[2]).bonded, SLASHED_STAKE, "the no-show is slashed");
        (uint96 mirrored,,) = market.standingOf(providers[2]);
        assertEq(mirrored, SLASHED_STAKE, "the real market heard of the slash");

        vm.startPrank(providers[0]);
        registry.requestUnbond(1 ether);
        vm.warp(block.timestamp + 7 days);
        uint256 before = agora.balanceOf(providers[0]);
        registry.withdrawStake();
        assertEq(agora.balanceOf(providers[0]) - before, 1 ether);
        market.withdraw(address(usd), FUEL * PRICE);
        vm.stopPrank();
        uint256 refund = _free(client);
        vm.prank(client);
        market.withdraw(address(usd), refund);
        assertEq(usd.balanceOf(client), refund);
    }

    /// The `resultHash` of the one `TaskSettled` among the recorded logs.
    function _settledHash() internal returns (bytes32 resultHash) {
        Vm.Log[] memory entries = vm.getRecordedLogs();
        for (uint256 i = 0; i < entries.length; ++i) {
            if (entries[i].topics[0] == IComputeMarket.TaskSettled.selector) {
                (resultHash,) = abi.decode(entries[i].data, (bytes32, uint256));
                return resultHash;
            }
        }
        revert("no TaskSettled");
    }
}
