// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {console} from "forge-std/console.sol";

import {IComputeMarket} from "../src/interfaces/IComputeMarket.sol";
import {IReplicatedVerifier} from "../src/interfaces/IReplicatedVerifier.sol";
import {TaskRecordLib} from "../src/libraries/TaskRecordLib.sol";
import {Ask, Bid, Task, TaskStatus} from "../src/types/Orders.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";
import {SeatedRecord} from "./utils/SeatedRecord.sol";

/// @notice Attacks on `ReplicatedVerifier.seatAndCommit` and the pending-then-seated flow around it.
/// Tests named test_safe_* assert the outcome honest parties are owed; test_exploit_* demonstrate a loss.
contract SeatAndCommitAttacksTest is MarketFixture {
    bytes32 internal constant RESULT = keccak256("the output");
    bytes32 internal constant WRONG = keccak256("a wrong output");
    uint64 internal constant FUEL = 400_000;

    address internal stranger = makeAddr("stranger");

    struct Pending {
        bytes32 taskId;
        Bid bid;
        Task task;
        bytes pending;
        bytes content;
    }

    // ------------------------------------------------------------------ helpers

    /// @dev Pool holds providers[0..count) with `floor`, joined a block before the match.
    function _pool(uint256 count, uint96 floor) internal {
        for (uint256 i = 0; i < count; ++i) {
            vm.prank(providers[i]);
            pool.join(address(usd), floor, uint32(block.timestamp + 30 days));
        }
        vm.roll(block.number + 1);
    }

    /// @dev Matches a replicated bid into a pending task in the current block (the pool is left as it is).
    function _pendingNow(uint8 replicas, uint8 quorum) internal returns (Pending memory p) {
        p.bid = _bid(replicas, quorum);
        bytes memory sig = _signBid(p.bid);
        p.task = _taskFor(p.bid, matcher);
        vm.prank(matcher);
        p.taskId = market.matchOrders(_orders(p.bid, sig, new Ask[](0), new bytes[](0)));
        p.pending = _pendingRecord(p.bid, p.task);
        p.content = _content(p.bid);
    }

    /// @dev Fills `p.task` with the seats and price a seat would make now (simulated and undone).
    function _preview(Pending memory p) internal {
        uint256 snap = vm.snapshotState();
        bytes memory seated = market.seat(p.pending, p.content);
        vm.revertToState(snap);
        p.task.providers = SeatedRecord.providers(seated);
        p.task.pricePerFuel = SeatedRecord.pricePerFuel(seated);
    }

    function _commitmentOf(Pending memory p, uint256 index, bytes32 result) internal pure returns (bytes32) {
        return _commitment(p.taskId, p.task.providers[index], result, FUEL, _salt(index));
    }

    function _head(Pending memory p) internal view returns (bytes23) {
        return market.laneState(client, uint32(p.task.nonce >> 32)).head;
    }

    // ------------------------------------------------------------ access to seats

    /// A stranger (not drawn) and every drawn provider at every index other than its own: all refused, and the
    /// task stays pending (the seat is undone with the revert).
    function test_safe_onlyTheDrawnProviderAtItsOwnIndexSeatsAndCommits() public {
        _pool(5, uint96(PRICE));
        Pending memory p = _pendingNow(3, 2);
        vm.roll(block.number + 1);
        _preview(p);
        bytes23 pendingHead = bytes23(keccak256(p.pending));
        for (uint256 index = 0; index < 20; ++index) {
            vm.prank(stranger);
            vm.expectRevert(
                abi.encodeWithSelector(IComputeMarket.ComputeNotAssigned.selector, stranger, index)
            );
            verifier.seatAndCommit(p.pending, p.content, index, RESULT);
        }
        for (uint256 who = 0; who < 3; ++who) {
            for (uint256 index = 0; index < 5; ++index) {
                if (index == who) continue;
                address caller = p.task.providers[who];
                vm.prank(caller);
                vm.expectRevert(
                    abi.encodeWithSelector(IComputeMarket.ComputeNotAssigned.selector, caller, index)
                );
                verifier.seatAndCommit(p.pending, p.content, index, RESULT);
            }
        }
        assertEq(_head(p), pendingHead, "still pending");
        assertEq(uint8(_status(p.task)), uint8(TaskStatus.Matched));
    }

    /// A pending record of another lane / another client, a tampered commit deadline, wrong content: refused.
    function test_safe_forgedPendingRecordOrContentRefused() public {
        _pool(3, uint96(PRICE));
        Pending memory p = _pendingNow(3, 2);
        vm.roll(block.number + 1);
        _preview(p);
        address seat0 = p.task.providers[0];

        // Wrong content.
        vm.prank(seat0);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeContentMismatch.selector, p.taskId));
        verifier.seatAndCommit(p.pending, bytes.concat(p.content, hex"00"), 0, RESULT);

        // Later commit deadline (to commit late): the record no longer matches the lane.
        Task memory later = p.task;
        bytes memory forged = _pendingRecordAt(p.bid, later, later.commitDeadline + 1 days);
        vm.prank(seat0);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeRecordMismatch.selector, p.taskId));
        verifier.seatAndCommit(forged, p.content, 0, RESULT);

        // Another client's lane (client field rewritten to the stranger): unknown task.
        bytes memory other = bytes.concat(abi.encodePacked(stranger), _slice(p.pending, 20, p.pending.length));
        vm.prank(seat0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.ComputeUnknownTask.selector, market.taskIdOf(stranger, p.task.nonce)
            )
        );
        verifier.seatAndCommit(other, p.content, 0, RESULT);

        // An already seated record (passed as if pending).
        _seatAndCommit(p.task, p.pending, p.content, 0, RESULT, FUEL);
        vm.prank(p.task.providers[1]);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeAlreadySeated.selector, p.taskId));
        verifier.seatAndCommit(_record(p.task), p.content, 1, RESULT);
    }

    /// Nobody but the market may hand the verifier a record (would let an attacker rewrite a lane's head).
    function test_safe_onTaskOpenedOnlyFromTheMarket() public {
        _pool(3, uint96(PRICE));
        Pending memory p = _pendingNow(3, 2);
        vm.roll(block.number + 1);
        _preview(p);
        Task memory fake = p.task;
        fake.providers[0] = stranger;
        fake.providers[1] = makeAddr("stranger2");
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IReplicatedVerifier.ComputeNotMarket.selector, stranger));
        verifier.onTaskOpened(_record(fake), p.content);
    }

    // ------------------------------------------------------- once seated, once counted

    /// seatAndCommit twice, or after a plain seat; commit / revealLast on top of a seatAndCommit: refused.
    function test_safe_seatAndCommitCountsOnceAndSeatsOnce() public {
        _pool(3, uint96(PRICE));
        Pending memory p = _pendingNow(3, 2);
        vm.roll(block.number + 1);
        _preview(p);
        _seatAndCommit(p.task, p.pending, p.content, 0, RESULT, FUEL);
        // Twice, by the same and by another drawn provider.
        for (uint256 i = 0; i < 3; ++i) {
            vm.prank(p.task.providers[i]);
            vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeRecordMismatch.selector, p.taskId));
            verifier.seatAndCommit(p.pending, p.content, i, RESULT);
        }
        // A plain seat again.
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeRecordMismatch.selector, p.taskId));
        market.seat(p.pending, p.content);
        // The seatAndCommit commitment cannot be replaced nor doubled.
        vm.prank(p.task.providers[0]);
        vm.expectRevert(
            abi.encodeWithSelector(IReplicatedVerifier.ComputeAlreadyCommitted.selector, p.task.providers[0])
        );
        verifier.commit(_record(p.task), 0, _commitmentOf(p, 0, WRONG));
        _commit(p.task, 1, RESULT, FUEL);
        vm.prank(p.task.providers[0]);
        vm.expectRevert(
            abi.encodeWithSelector(IReplicatedVerifier.ComputeAlreadyCommitted.selector, p.task.providers[0])
        );
        verifier.revealLast(_record(p.task), 0, WRONG, FUEL);
        // Two commits of three: reveals not open, no early finalize.
        vm.prank(p.task.providers[0]);
        vm.expectRevert(IReplicatedVerifier.ComputeRevealNotOpen.selector);
        verifier.reveal(_record(p.task), 0, RESULT, FUEL, _salt(0));
        vm.expectRevert(abi.encodeWithSelector(IReplicatedVerifier.ComputeTooEarly.selector, p.taskId));
        verifier.finalize(_record(p.task), RESULT);
        _revealLast(p.task, 2, RESULT, FUEL);
        _reveal(p.task, 0, RESULT, FUEL);
        _reveal(p.task, 1, RESULT, FUEL);
        assertEq(uint8(_status(p.task)), uint8(TaskStatus.Finalized));
        for (uint256 i = 0; i < 3; ++i) {
            assertEq(_free(p.task.providers[i]), FUEL * PRICE);
        }
        assertEq(_free(client), CLIENT_FUNDS - _charged(3, FUEL));
        assertEq(_locked(client), 0);
        _assertConserved();
    }

    /// Plain seat first (a front-runner), then seatAndCommit by a drawn provider: refused; commit still works.
    function test_safe_frontRunSeatOnlyCostsGas() public {
        _pool(3, uint96(PRICE));
        Pending memory p = _pendingNow(3, 2);
        vm.roll(block.number + 1);
        _preview(p);
        vm.prank(stranger);
        market.seat(p.pending, p.content);
        vm.prank(p.task.providers[2]);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeRecordMismatch.selector, p.taskId));
        verifier.seatAndCommit(p.pending, p.content, 2, _commitmentOf(p, 2, RESULT));
        for (uint256 i = 0; i < 3; ++i) {
            _commit(p.task, i, RESULT, FUEL);
        }
        for (uint256 i = 0; i < 3; ++i) {
            _reveal(p.task, i, RESULT, FUEL);
        }
        assertEq(uint8(_status(p.task)), uint8(TaskStatus.Finalized));
        _assertConserved();
    }

    /// Escrow above the clearing price is released once at the seat; settlement charges the clearing price.
    function test_safe_releaseAbovePriceOnce() public {
        _pool(3, 1); // floors of 1 under a bid of PRICE = 2
        Pending memory p = _pendingNow(3, 2);
        uint256 lockAtBid = _lockFor(3, true);
        assertEq(_locked(client), lockAtBid);
        vm.roll(block.number + 1);
        _preview(p);
        assertEq(p.task.pricePerFuel, 1);
        _seatAndCommit(p.task, p.pending, p.content, 1, RESULT, FUEL);
        uint256 lockAtPrice = lockAtBid / 2; // price halves every term exactly here
        assertEq(_locked(client), lockAtPrice, "excess released");
        assertEq(_free(client), CLIENT_FUNDS - lockAtPrice);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeRecordMismatch.selector, p.taskId));
        market.seat(p.pending, p.content);
        vm.prank(p.task.providers[0]);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeRecordMismatch.selector, p.taskId));
        verifier.seatAndCommit(p.pending, p.content, 0, RESULT);
        assertEq(_locked(client), lockAtPrice, "no second release");
        _commit(p.task, 0, RESULT, FUEL);
        _commit(p.task, 2, RESULT, FUEL);
        for (uint256 i = 0; i < 3; ++i) {
            _reveal(p.task, i, RESULT, FUEL);
        }
        uint256 cost = uint256(FUEL) * 1 * 3;
        uint256 charged = cost + cost * PROTOCOL_FEE_BPS / 10_000 + cost * MATCHER_FEE_BPS / 10_000;
        assertEq(_free(client), CLIENT_FUNDS - charged);
        assertEq(_locked(client), 0);
        for (uint256 i = 0; i < 3; ++i) {
            assertEq(_free(p.task.providers[i]), FUEL * 1);
        }
        _assertConserved();
    }

    // ---------------------------------------------------------------- deadlines

    /// At the commit deadline seatAndCommit works and the client's refund is too early; one second later the
    /// reverse: neither front-runs the other, and a late seatAndCommit seats nothing.
    function test_safe_commitDeadlineSplitsSeatAndCommitFromRefund() public {
        _pool(3, uint96(PRICE));
        Pending memory a = _pendingNow(3, 2);
        Pending memory b = _pendingNow(3, 2);
        vm.roll(block.number + 1);
        _preview(a);
        _preview(b);
        vm.warp(a.task.commitDeadline);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeTooEarly.selector, a.taskId));
        market.finalize(a.pending, bytes32(0));
        _seatAndCommit(a.task, a.pending, a.content, 0, RESULT, FUEL);

        vm.warp(b.task.commitDeadline + 1);
        bytes23 headB = _head(b);
        vm.prank(b.task.providers[0]);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeCommitClosed.selector, b.task.commitDeadline)
        );
        verifier.seatAndCommit(b.pending, b.content, 0, _commitmentOf(b, 0, RESULT));
        assertEq(_head(b), headB, "a late seatAndCommit seats nothing");
        uint256 lockedBefore = _locked(client);
        market.finalize(b.pending, bytes32(0));
        assertEq(_locked(client), lockedBefore - _lockFor(3, true), "whole lock of b back");
        assertEq(uint8(_status(b.task)), uint8(TaskStatus.Failed));

        // a: one committed, the rest no-shows; after the reveal window it settles Failed, the client whole.
        vm.warp(a.task.revealDeadline + 1);
        verifier.finalize(_record(a.task), bytes32(0));
        assertEq(uint8(_status(a.task)), uint8(TaskStatus.Failed));
        assertEq(_locked(client), 0);
        assertEq(_free(client), CLIENT_FUNDS);
        _assertConserved();
    }

    /// 256 blocks on, the draw is gone: seatAndCommit refused; the client gets the whole lock back at the deadline.
    function test_safe_drawOutOfReach() public {
        _pool(3, uint96(PRICE));
        Pending memory p = _pendingNow(3, 2);
        uint256 drawBlock = block.number;
        vm.roll(block.number + 1);
        _preview(p);
        vm.roll(drawBlock + 257);
        vm.prank(p.task.providers[0]);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeDrawUnavailable.selector, p.taskId, drawBlock)
        );
        verifier.seatAndCommit(p.pending, p.content, 0, RESULT);
        vm.warp(p.task.commitDeadline + 1);
        market.finalize(p.pending, bytes32(0));
        assertEq(_free(client), CLIENT_FUNDS);
        assertEq(_locked(client), 0);
        _assertConserved();
    }

    /// A drawn provider seats with a commitment and then goes silent (never reveals): the task still settles,
    /// the client is refunded in full and nobody is paid.
    function test_safe_seaterThatGoesSilentCannotBlockSettlement() public {
        _pool(3, uint96(PRICE));
        Pending memory p = _pendingNow(3, 2);
        vm.roll(block.number + 1);
        _preview(p);
        _seatAndCommit(p.task, p.pending, p.content, 0, WRONG, FUEL);
        // Inside the reveal window, once the commit window closed with one commit of a quorum of two: settles now,
        // the committed one spared, the two no-shows slashed.
        vm.warp(p.task.commitDeadline + 1);
        verifier.finalize(_record(p.task), bytes32(0));
        assertEq(uint8(_status(p.task)), uint8(TaskStatus.Failed));
        assertEq(_free(client), CLIENT_FUNDS);
        assertEq(_locked(client), 0);
        for (uint256 i = 0; i < 3; ++i) {
            assertEq(_free(p.task.providers[i]), 0);
        }
        (uint96 bonded0,,) = market.standingOf(p.task.providers[0]);
        assertEq(bonded0, STAKE, "the one that committed on time is spared");
        _assertConserved();
    }

    /// The lane's next task: a replica word left by seatAndCommit on the previous task counts for nothing.
    function test_safe_staleSeatAndCommitWordIsNotReusedByTheNextTask() public {
        bidLane = 77;
        _pool(3, uint96(PRICE));
        Pending memory first = _pendingNow(3, 2);
        vm.roll(block.number + 1);
        _preview(first);
        _seatAndCommit(first.task, first.pending, first.content, 0, RESULT, FUEL);
        _commit(first.task, 1, RESULT, FUEL);
        _commit(first.task, 2, RESULT, FUEL);
        for (uint256 i = 0; i < 3; ++i) {
            _reveal(first.task, i, RESULT, FUEL);
        }
        assertEq(uint8(_status(first.task)), uint8(TaskStatus.Finalized));

        Pending memory next = _pendingNow(3, 2);
        vm.roll(block.number + 1);
        _preview(next);
        market.seat(next.pending, next.content);
        // Two commits of the next task only: index 0's stale word is not a third commit.
        _commit(next.task, 1, RESULT, FUEL);
        _commit(next.task, 2, RESULT, FUEL);
        vm.prank(next.task.providers[1]);
        vm.expectRevert(IReplicatedVerifier.ComputeRevealNotOpen.selector);
        verifier.reveal(_record(next.task), 1, RESULT, FUEL, _salt(1));
        // And index 0 can still commit for itself.
        _commit(next.task, 0, RESULT, FUEL);
        for (uint256 i = 0; i < 3; ++i) {
            _reveal(next.task, i, RESULT, FUEL);
        }
        assertEq(uint8(_status(next.task)), uint8(TaskStatus.Finalized));
        _assertConserved();
    }

    // ------------------------------------------------------------- the draw itself

    /// A holder of a minority of the pool watches pending tasks; once the seed's block is out it computes, for
    /// each subset of its own members, the draw that would follow if they left the pool, and would make the best
    /// subset leave before seating the task itself (seat is open to anyone, and the drawn providers seat only with
    /// their first commit). A draw reads the slots as they were at its draw block, so no subset changes any seat.
    function test_safe_sybilsCannotSteerTheDrawByLeavingAfterTheSeed() public {
        // Honest: providers[0..5). Sybils: four new providers, all with the same stake (4/9 of the pool).
        address[] memory sybils = new address[](4);
        for (uint256 i = 0; i < 4; ++i) {
            (address sybil, uint256 key) = makeAddrAndKey(string.concat("sybil", vm.toString(i)));
            _registerAndStake(sybil, STAKE);
            sybils[i] = sybil;
            providers.push(sybil);
            providerKeys.push(key);
        }
        for (uint256 i = 0; i < providers.length; ++i) {
            vm.prank(providers[i]);
            pool.join(address(usd), uint96(PRICE), uint32(block.timestamp + 30 days));
        }
        vm.roll(block.number + 1);

        uint256 tasks = 60;
        Pending[] memory ps = new Pending[](tasks);
        for (uint256 t = 0; t < tasks; ++t) {
            ps[t] = _pendingNow(3, 2);
        }
        vm.roll(block.number + 1);

        uint256 natural;
        uint256 steered;
        uint256 target = type(uint256).max;
        uint256 targetMask;
        for (uint256 t = 0; t < tasks; ++t) {
            (uint256 seats0,) = _sybilSeats(ps[t], sybils, 0);
            uint256 best = seats0;
            uint256 bestMask;
            for (uint256 mask = 1; mask < 15; ++mask) {
                (uint256 seats,) = _sybilSeats(ps[t], sybils, mask);
                if (seats > best) (best, bestMask) = (seats, mask);
            }
            if (seats0 >= 2) ++natural;
            if (best >= 2) ++steered;
            if (seats0 < 2 && best >= 2 && target == type(uint256).max) (target, targetMask) = (t, bestMask);
        }
        console.log("tasks", tasks);
        console.log("sybil quorum, honest play (4/9 of the pool)", natural);
        console.log("sybil quorum, leaving after the seed", steered);
        assertEq(
            steered, natural, "no subset of sybils leaving after the seed wins a quorum straight play did not"
        );
    }

    /// @dev Sybil seats in the draw that would follow if the sybils in `mask` left the pool now (undone).
    function _sybilSeats(Pending memory p, address[] memory sybils, uint256 mask)
        internal
        returns (uint256 seats, bool ok)
    {
        uint256 snap = vm.snapshotState();
        for (uint256 i = 0; i < sybils.length; ++i) {
            if ((mask >> i) & 1 == 1) {
                vm.prank(sybils[i]);
                pool.leave(address(usd));
            }
        }
        try market.seat(p.pending, p.content) returns (bytes memory seated) {
            address[] memory drawn = SeatedRecord.providers(seated);
            for (uint256 i = 0; i < drawn.length; ++i) {
                for (uint256 j = 0; j < sybils.length; ++j) {
                    if (drawn[i] == sybils[j]) ++seats;
                }
            }
            ok = true;
        } catch {}
        vm.revertToState(snap);
    }

    // ---------------------------------------------------------------- record utils

    function _pendingRecordAt(Bid memory bid, Task memory task, uint64 commitDeadline)
        internal
        view
        returns (bytes memory)
    {
        Task memory head = Task({
            client: task.client,
            nonce: task.nonce,
            token: task.token,
            matcher: task.matcher,
            pricePerFuel: uint128(bid.maxPricePerFuel),
            maxFuel: task.maxFuel,
            quorum: task.quorum,
            protocolFeeBps: task.protocolFeeBps,
            matcherFeeBps: task.matcherFeeBps,
            commitDeadline: commitDeadline,
            revealDeadline: task.revealDeadline,
            previous: task.previous,
            mode: task.mode,
            providers: new address[](0)
        });
        return bytes.concat(
            TaskRecordLib.encode(head),
            abi.encodePacked(
                bid.replicas,
                uint64(block.number - 1),
                uint32(pool.sizeOf(bid.token)),
                keccak256(_content(bid))
            )
        );
    }

    function _slice(bytes memory data, uint256 from, uint256 to) internal pure returns (bytes memory out) {
        out = new bytes(to - from);
        for (uint256 i = from; i < to; ++i) {
            out[i - from] = data[i];
        }
    }
}
