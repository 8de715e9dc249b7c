// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {ComputeMarket} from "../src/ComputeMarket.sol";
import {IComputeMarket} from "../src/interfaces/IComputeMarket.sol";
import {IReplicatedVerifier} from "../src/interfaces/IReplicatedVerifier.sol";
import {Ask, Bid, Task, TaskStatus} from "../src/types/Orders.sol";
import {ComputeDigests} from "./utils/ComputeDigests.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";
import {ScriptedVerifier} from "./utils/ScriptedVerifier.sol";

/// @notice Verification as modules: the market carries out verdicts, and refuses every one that would pay or slash
/// anyone outside the task, or charge more than it locked, whatever the verifier says.
contract VerifierModulesTest is MarketFixture {
    using ComputeDigests for ComputeMarket;

    uint8 internal constant MODE = 1;
    uint64 internal constant FUEL = 250_000;
    bytes32 internal constant RESULT = keccak256("result");

    ScriptedVerifier internal scripted;

    function setUp() public override {
        super.setUp();
        scripted = new ScriptedVerifier(market);
        vm.prank(owner);
        market.installVerifier(MODE, address(scripted));
    }

    function test_installVerifier_onceByTheOwnerForAModeOtherThanReplicated() public {
        assertEq(market.verifierOf(MODE), address(scripted));
        assertEq(market.verifierOf(0), address(verifier), "replicated is the market's own verifier");
        assertEq(address(verifier.market()), address(market));
        assertEq(market.verifierOf(2), address(0), "no verifier for a mode nobody installed");

        ScriptedVerifier other = new ScriptedVerifier(market);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        market.installVerifier(2, address(other));
        vm.startPrank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeVerifierInstalled.selector, MODE, address(scripted))
        );
        market.installVerifier(MODE, address(other));
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeParamOutOfBounds.selector, bytes32("mode"), 0, 1, 31)
        );
        market.installVerifier(0, address(other));
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.ComputeParamOutOfBounds.selector, bytes32("mode"), 32, 1, 31
            )
        );
        market.installVerifier(32, address(other));
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeVerifierNotContract.selector, owner));
        market.installVerifier(2, owner);
        market.installVerifier(2, address(other));
        vm.stopPrank();
        assertEq(market.verifierOf(2), address(other));
    }

    function test_match_opensAModuleTaskWithItsVerifier() public {
        (, Task memory task) = _matchModuleTask();
        assertEq(scripted.lastRecord(), _record(task), "the verifier holds the record the market will accept");
        assertEq(
            scripted.lastContent(),
            abi.encodePacked(bytes32(0), uint8(APP_CID.length), APP_CID, uint8(INPUT_CID.length), INPUT_CID)
        );
        assertEq(_locked(client), _lockFor(1, true));
    }

    function test_match_refusesAModeWithoutVerifierOrWithDrawnSeats() public {
        Bid memory bid = _bid(1, 1);
        bid.mode = 2;
        bytes memory signature = _signBid(bid);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeModeNotInstalled.selector, 2));
        vm.prank(matcher);
        market.matchOrders(_orders(bid, signature, new Ask[](0), new bytes[](0)));

        // Drawn seats never accepted a mode, so a module's task is matched with its providers' asks.
        bid = _bid(3, 2);
        bid.mode = MODE;
        signature = _signBid(bid);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeModeNeedsAsks.selector, MODE));
        vm.prank(matcher);
        market.matchOrders(_orders(bid, signature, new Ask[](0), new bytes[](0)));

        // An ask that does not name the mode is refused by it.
        bid = _bid(1, 1);
        bid.mode = MODE;
        signature = _signBid(bid);
        (Ask[] memory asks, bytes[] memory askSignatures) = _asksFor(1);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeModeNotAccepted.selector, providers[0], MODE)
        );
        vm.prank(matcher);
        market.matchOrders(_orders(bid, signature, asks, askSignatures));
    }

    function test_settle_paysWhatTheVerifierDecided() public {
        (bytes32 taskId, Task memory task) = _matchModuleTask();
        scripted.decide(_record(task), _verdict(TaskStatus.Finalized, 1, 0, FUEL));
        assertEq(uint8(_status(task)), uint8(TaskStatus.Finalized));
        assertEq(_free(providers[0]), FUEL * PRICE, "the provider earns its fuel at the task's price");
        assertEq(
            _free(client), CLIENT_FUNDS - _charged(1, FUEL), "the client pays that and the fees, no more"
        );
        assertEq(_locked(client), 0);
        assertEq(market.openTasksOf(providers[0]), 0, "its stake is free to leave");
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeTaskNotOpen.selector, taskId, TaskStatus.Finalized)
        );
        scripted.decide(_record(task), _verdict(TaskStatus.Finalized, 1, 0, FUEL));
        _assertConserved();
    }

    /// A hostile verifier tries every verdict the market must not carry out.
    function test_attack_hostileVerifierCannotPayOutsideTheTaskOrBeyondItsLock() public {
        (bytes32 taskId, Task memory task) = _matchModuleTask();
        bytes memory record = _record(task);
        IComputeMarket.Verdict[6] memory forbidden = [
            // Pays a second provider the one-replica task does not have.
            _verdict(TaskStatus.Finalized, 3, 0, FUEL),
            // Slashes one it does not have.
            _verdict(TaskStatus.Failed, 0, 2, 0),
            // Pays and slashes the same provider.
            _verdict(TaskStatus.Finalized, 1, 1, FUEL),
            // Charges for more fuel than the lock covers.
            _verdict(TaskStatus.Finalized, 1, 0, MAX_FUEL + 1),
            // Finalizes paying nobody, or fails paying someone.
            _verdict(TaskStatus.Finalized, 0, 0, FUEL),
            _verdict(TaskStatus.Failed, 1, 0, FUEL)
        ];
        for (uint256 i = 0; i < forbidden.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeVerdictInvalid.selector, taskId));
            scripted.decide(record, forbidden[i]);
        }
        IComputeMarket.Verdict memory other = _verdict(TaskStatus.Matched, 0, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeVerdictInvalid.selector, taskId));
        scripted.decide(record, other);
        assertEq(uint8(_status(task)), uint8(TaskStatus.Matched));
        assertEq(_locked(client), _lockFor(1, true), "the lock is untouched");
        _assertConserved();
    }

    /// An installed verifier reaches only the tasks of its own mode; nobody else can settle a module's task.
    function test_attack_verifierCannotSettleAnotherModesTask() public {
        (bytes32 replicatedId, Task memory replicated) = _matchTask(3, 2);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.ComputeNotVerifier.selector, address(scripted), address(verifier)
            )
        );
        scripted.decide(_record(replicated), _verdict(TaskStatus.Finalized, 1, 6, FUEL));

        (bytes32 taskId, Task memory task) = _matchModuleTask();
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.ComputeNotVerifier.selector, address(this), address(scripted)
            )
        );
        market.settle(_record(task), _verdict(TaskStatus.Finalized, 1, 0, FUEL));
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeVerifiedByModule.selector, taskId, address(scripted))
        );
        vm.prank(providers[0]);
        market.submitResult(_record(task), RESULT, FUEL);
        vm.warp(task.commitDeadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeVerifiedByModule.selector, taskId, address(scripted))
        );
        market.finalize(_record(task), RESULT);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.ComputeVerifiedByModule.selector, replicatedId, address(verifier)
            )
        );
        market.finalize(_record(replicated), RESULT);
    }

    /// Only the market opens tasks in the replicated verifier: a forged head would let anyone commit for a task.
    function test_attack_onlyTheMarketOpensReplicatedTasks() public {
        (bytes32 taskId, Task memory task) = _matchTask(3, 2);
        Task memory forged = task;
        forged.providers = new address[](3);
        forged.providers[0] = address(this);
        forged.providers[1] = address(this);
        forged.providers[2] = address(this);
        vm.expectRevert(abi.encodeWithSelector(IReplicatedVerifier.ComputeNotMarket.selector, address(this)));
        verifier.onTaskOpened(_record(forged), "");
        vm.expectRevert(abi.encodeWithSelector(IReplicatedVerifier.ComputeRecordMismatch.selector, taskId));
        verifier.commit(_record(forged), 0, RESULT);
    }

    /// A verifier that never decides cannot keep the lock: anyone expires the task after the grace period.
    function test_expire_refundsATaskItsVerifierLeftOpen() public {
        (bytes32 taskId, Task memory task) = _matchModuleTask();
        uint64 expiresAt = task.revealDeadline + market.VERIFIER_GRACE();
        vm.warp(expiresAt);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.ComputeNotExpired.selector, taskId, expiresAt));
        market.expire(_record(task));
        vm.warp(expiresAt + 1);
        vm.prank(makeAddr("anyone"));
        market.expire(_record(task));
        assertEq(uint8(_status(task)), uint8(TaskStatus.Failed));
        assertEq(_free(client), CLIENT_FUNDS, "the whole lock is back");
        assertEq(
            registry.providerOf(providers[0]).bonded, STAKE, "nobody is slashed on the verifier's silence"
        );
        assertEq(market.openTasksOf(providers[0]), 0);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeTaskNotOpen.selector, taskId, TaskStatus.Failed)
        );
        scripted.decide(_record(task), _verdict(TaskStatus.Finalized, 1, 0, FUEL));
        _assertConserved();
    }

    /// The market's own fast path never expires: its timeout is `finalize`, which slashes the silent provider.
    function test_expire_neverEndsTheOneReplicaFastPath() public {
        (bytes32 taskId, Task memory task) = _matchTask(1, 1);
        vm.warp(task.revealDeadline + 365 days);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.ComputeNotExpired.selector, taskId, type(uint64).max)
        );
        market.expire(_record(task));
        market.finalize(_record(task), bytes32(0));
        assertLt(registry.providerOf(providers[0]).bonded, STAKE);
    }

    /// A replicated task whose verifier was starved of work is expired too, and nobody loses what was locked.
    function test_expire_endsAReplicatedTaskNobodyFinalized() public {
        (, Task memory task) = _matchTask(3, 2);
        _commit(task, 0, RESULT, FUEL);
        vm.warp(task.revealDeadline + market.VERIFIER_GRACE() + 1);
        market.expire(_record(task));
        assertEq(uint8(_status(task)), uint8(TaskStatus.Failed));
        assertEq(_free(client), CLIENT_FUNDS);
        vm.expectRevert();
        verifier.finalize(_record(task), RESULT);
    }

    function _matchModuleTask() internal returns (bytes32 taskId, Task memory task) {
        Bid memory bid = _bid(1, 1);
        bid.mode = MODE;
        bytes memory signature = _signBid(bid);
        Ask[] memory asks = new Ask[](1);
        bytes[] memory askSignatures = new bytes[](1);
        asks[0] = _ask(0);
        asks[0].modes = uint32(1 | (1 << MODE));
        askSignatures[0] = _sign(providerKeys[0], market.hashAsk(asks[0]));
        task = _taskFor(bid, matcher);
        vm.prank(matcher);
        taskId = market.matchOrders(_orders(bid, signature, asks, askSignatures));
    }

    function _verdict(TaskStatus status, uint256 paidMask, uint256 slashedMask, uint64 fuelUsed)
        internal
        pure
        returns (IComputeMarket.Verdict memory)
    {
        return IComputeMarket.Verdict(status, paidMask, slashedMask, fuelUsed, RESULT);
    }
}
