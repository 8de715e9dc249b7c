// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";

import {ComputeMarket} from "../../src/ComputeMarket.sol";
import {ProviderRegistry} from "../../src/ProviderRegistry.sol";
import {ReplicaPool} from "../../src/ReplicaPool.sol";
import {TestStablecoin} from "../../src/dev/TestStablecoin.sol";
import {TaskRecordLib} from "../../src/libraries/TaskRecordLib.sol";
import {Ask, Bid, Task, TaskStatus} from "../../src/types/Orders.sol";
import {ReplicatedVerifier} from "../../src/verifiers/ReplicatedVerifier.sol";
import {ComputeDigests} from "../utils/ComputeDigests.sol";
import {IFinalize} from "../utils/MarketFixture.sol";
import {OrderCalldata} from "../utils/OrderCalldata.sol";
import {SeatedRecord} from "../utils/SeatedRecord.sol";

/// @notice Drives the market through random but valid sequences and keeps ghost books to compare against.
contract MarketHandler is CommonBase, StdCheats, StdUtils {
    using ComputeDigests for ComputeMarket;

    ComputeMarket internal immutable market;
    TestStablecoin internal immutable usd;
    address internal immutable client;
    uint256 internal immutable clientKey;
    address internal immutable matcher;
    address[] internal providers;
    uint256[] internal providerKeys;

    struct OpenTask {
        bytes32 taskId;
        Task task;
        uint64 fuel;
        uint256 lying; // bitmask of providers that commit a wrong result
        /// @dev The pending record of a replicated task until it is seated; empty once seated (or for one replica).
        bytes pending;
        bytes content;
    }

    OpenTask[] internal tasks;
    Bid[] internal matchedBids;
    bytes[] internal matchedBidSignatures;
    /// @dev Three lanes, so lanes are reused again and again: replica words of settled tasks stay behind.
    uint32 internal constant LANES = 3;
    mapping(uint32 lane => uint32) internal nextSeq;

    // Ghost books.
    mapping(address => uint256) public expectedEarnings;
    mapping(bytes32 => uint256) public timesMatched;
    /// @dev The status each task was seen to settle with (the lane forgets it once reused).
    mapping(bytes32 => TaskStatus) public settledStatus;
    /// @dev Fills of each provider's asks (two nonces, so the hot ask switches back and forth).
    mapping(address provider => mapping(uint64 nonce => uint256)) public expectedFills;
    uint256 public replayAttempts;
    uint256 public withdrawn;
    /// @dev Withdrawals of a free balance that reverted: there must be none, whatever the owner did.
    uint256 public failedWithdrawals;
    /// @dev Times a provider's stake left while a task it serves was open: there must be none.
    uint256 public stakeLeftBackingTasks;
    uint256 public earlyExitsRefused;
    uint256 public matched;
    /// @dev Matches a submitter got through with the providers of its choice on a replicated task: there must be none.
    uint256 public chosenQuorums;
    uint256 public quorumChoicesTried;
    /// @dev Matches a copier of a signed bid got through for itself: there must be none.
    uint256 public copiedMatches;
    uint256 public copiesTried;
    uint256 public seated;
    /// @dev Calls of the honest actions (deposit aside) and how many the market accepted, per action: a campaign
    /// whose calls mostly revert exercises nothing, and the invariant test fails it.
    uint256 public honestCalls;
    uint256 public honestSuccesses;
    mapping(bytes4 action => uint256) public successesOf;
    ReplicaPool internal immutable pool;
    ReplicatedVerifier internal immutable verifier;

    constructor(
        ComputeMarket market_,
        TestStablecoin usd_,
        address client_,
        uint256 clientKey_,
        address matcher_,
        address[] memory providers_,
        uint256[] memory providerKeys_
    ) {
        market = market_;
        pool = ReplicaPool(address(market_.pool()));
        verifier = ReplicatedVerifier(market_.verifierOf(0));
        usd = usd_;
        client = client_;
        clientKey = clientKey_;
        matcher = matcher_;
        providers = providers_;
        providerKeys = providerKeys_;
    }

    function deposit(uint256 amount) external {
        amount = bound(amount, 1, 1e12);
        usd.mint(client, amount);
        // One prank per call: a deposit the owner refused (token disallowed) must not leave a prank running into the
        // campaign's next call.
        vm.prank(client);
        usd.approve(address(market), amount);
        vm.prank(client);
        market.deposit(address(usd), client, amount);
    }

    function withdraw(uint256 amount) external {
        uint256 free = market.balanceOf(address(usd), client).free;
        if (free == 0) return;
        amount = bound(amount, 1, free);
        vm.prank(client);
        try market.withdraw(address(usd), amount) {
            withdrawn += amount;
            _tally(this.withdraw.selector, true);
        } catch {
            ++failedWithdrawals;
            _tally(this.withdraw.selector, false);
        }
    }

    /// @notice A provider, possibly with a task it never intends to serve, unbonds a little and tries to take it
    /// out as soon as the unbonding period allows.
    function leaveEarly(uint256 providerSeed) external {
        address provider = providers[bound(providerSeed, 0, providers.length - 1)];
        ProviderRegistry registry = ProviderRegistry(address(market.registry()));
        if (registry.providerOf(provider).bonded == 0) return;
        vm.prank(provider);
        registry.requestUnbond(1);
        vm.warp(block.timestamp + registry.params().unbondingPeriod);
        uint256 open = market.openTasksOf(provider);
        vm.prank(provider);
        try registry.withdrawStake() {
            if (open != 0) ++stakeLeftBackingTasks;
        } catch {
            ++earlyExitsRefused;
        }
    }

    function matchTask(
        uint256 replicasSeed,
        uint256 fuelSeed,
        uint256 lyingSeed,
        uint256 laneSeed,
        bool secondAsk
    ) external {
        uint32 lane = uint32(bound(laneSeed, 1, LANES));
        uint8 replicas = uint8(bound(replicasSeed, 1, 3));
        if (replicas == 2) replicas = 3;
        Bid memory bid = _bidFor(lane, ++nextSeq[lane], replicas);
        uint64 askNonce = secondAsk ? 2 : 1;
        bytes memory bidSignature = _sign(clientKey, market.hashBid(bid));
        bytes23 previous = market.laneState(client, lane).head;
        if (replicas == 1) {
            bytes memory orders = _orders(bid, bidSignature, askNonce);
            vm.prank(matcher);
            try market.matchOrders(orders) returns (bytes32 taskId) {
                ++timesMatched[taskId];
                ++matched;
                _countFills(replicas, askNonce);
                _track(taskId, bid, previous, fuelSeed, lyingSeed);
                matchedBids.push(bid);
                matchedBidSignatures.push(bidSignature);
                _tally(this.matchTask.selector, true);
            } catch {
                // Underfunded client or busy lane: a refusal, not a loss.
                _tally(this.matchTask.selector, false);
            }
            return;
        }
        // Replicated: the providers' agents renew their pool memberships, the bid goes alone, seats are drawn.
        _renewPool();
        bytes memory bidOnly = OrderCalldata.encode(bid, bidSignature, new Ask[](0), new bytes[](0));
        vm.prank(matcher);
        try market.matchOrders(bidOnly) returns (bytes32 taskId) {
            ++timesMatched[taskId];
            ++matched;
            _track(taskId, bid, previous, fuelSeed, lyingSeed);
            matchedBids.push(bid);
            matchedBidSignatures.push(bidSignature);
            _tally(this.matchTask.selector, true);
            vm.roll(block.number + 1);
            _seat(tasks[tasks.length - 1]);
        } catch {
            _tally(this.matchTask.selector, false);
        }
    }

    /// @notice A hostile submitter names the replicas of a replicated bid itself (its own pick of providers, in its
    /// own order): the market must refuse every such match.
    function chooseQuorum(uint256 laneSeed, uint256 pickSeed) external {
        uint32 lane = uint32(bound(laneSeed, 1, LANES));
        Bid memory bid = _bidFor(lane, nextSeq[lane] + 1, 3);
        (Ask[] memory asks, bytes[] memory signatures) = _asks(3, 1);
        // Two seats for the same provider, the pick of the seed: the submitter's sybil twice.
        uint256 sybil = pickSeed % 3;
        asks[(sybil + 1) % 3] = asks[sybil];
        signatures[(sybil + 1) % 3] = signatures[sybil];
        bytes memory orders =
            OrderCalldata.encode(bid, _sign(clientKey, market.hashBid(bid)), asks, signatures);
        ++quorumChoicesTried;
        vm.prank(matcher);
        try market.matchOrders(orders) {
            ++chosenQuorums;
        } catch {}
    }

    /// @notice A front-runner copies the next signed bid and its ask and submits the match itself, for the fee.
    function copyMatch(uint256 laneSeed, address copier) external {
        // No transaction comes from address(0); the market reads a zero caller as the client's own `fill`.
        if (copier == matcher || copier == address(0)) return;
        uint32 lane = uint32(bound(laneSeed, 1, LANES));
        Bid memory bid = _bidFor(lane, nextSeq[lane] + 1, 1);
        bytes memory orders = _orders(bid, _sign(clientKey, market.hashBid(bid)), 1);
        ++copiesTried;
        vm.prank(copier);
        try market.matchOrders(orders) {
            ++copiedMatches;
        } catch {}
    }

    /// @notice Seats a pending task, as anyone may (the draw is the same whoever calls).
    function seat(uint256 index) external {
        if (tasks.length == 0) return;
        OpenTask storage open = tasks[bound(index, 0, tasks.length - 1)];
        if (open.pending.length == 0 || _statusOf(open) != TaskStatus.Matched) return;
        _seat(open);
    }

    function _seat(OpenTask storage open) internal {
        try market.seat(open.pending, open.content) returns (bytes memory seatedRecord) {
            address[] memory seats = SeatedRecord.providers(seatedRecord);
            open.task.providers = seats;
            uint256 price;
            for (uint256 i = 0; i < seats.length; ++i) {
                (uint256 slot,) = pool.slotOf(address(usd), seats[i]);
                uint256 floor = pool.memberAt(address(usd), slot).floorPricePerFuel;
                if (floor > price) price = floor;
            }
            open.task.pricePerFuel = uint128(price);
            delete open.pending;
            ++seated;
            _tally(this.seat.selector, true);
        } catch {
            _tally(this.seat.selector, false);
        }
    }

    /// @dev Each provider rejoins when it has more stake bonded than when it joined (its weight is capped by that), as
    /// its agent does; a slash or an unbond only lowers its weight, and it stays in the pool.
    /// Half ask 1 per fuel and half the bids' 2, so seated tasks are paid either and the lock shrinks on some.
    function _renewPool() internal {
        for (uint256 i = 0; i < providers.length; ++i) {
            (uint256 slot, bool member) = pool.slotOf(address(usd), providers[i]);
            uint96 bonded = ProviderRegistry(address(market.registry())).providerOf(providers[i]).bonded;
            if (member && pool.memberAt(address(usd), slot).bondedAtJoin >= bonded) continue;
            vm.prank(providers[i]);
            try pool.join(address(usd), uint96(1 + i % 2), uint32(block.timestamp + 365 days)) {} catch {}
        }
        vm.roll(block.number + 1);
    }

    function _track(bytes32 taskId, Bid memory bid, bytes23 previous, uint256 fuelSeed, uint256 lyingSeed)
        internal
    {
        ComputeMarket.MarketParams memory params = market.params();
        uint64 commitDeadline = uint64(block.timestamp) + params.commitWindow;
        bool replicated = bid.replicas != 1;
        address[] memory assigned = new address[](replicated ? 0 : 1);
        if (!replicated) assigned[0] = providers[0];
        tasks.push(
            OpenTask({
                taskId: taskId,
                task: Task({
                    client: client,
                    nonce: bid.nonce,
                    token: address(usd),
                    matcher: matcher,
                    pricePerFuel: 2,
                    maxFuel: 1_000_000,
                    quorum: bid.quorum,
                    protocolFeeBps: params.protocolFeeBps,
                    matcherFeeBps: params.matcherFeeBps,
                    commitDeadline: commitDeadline,
                    revealDeadline: commitDeadline + params.revealWindow,
                    previous: previous,
                    mode: 0,
                    providers: assigned
                }),
                fuel: uint64(bound(fuelSeed, 0, 1_000_000)),
                lying: bid.replicas == 1 ? 0 : lyingSeed % 8,
                pending: "",
                content: abi.encodePacked(bytes32(0), uint8(2), bid.appCid, uint8(2), bid.inputCid)
            })
        );
        if (replicated) {
            OpenTask storage open = tasks[tasks.length - 1];
            open.pending = bytes.concat(
                TaskRecordLib.encode(open.task),
                abi.encodePacked(
                    bid.replicas,
                    uint64(block.number),
                    uint32(pool.sizeOf(address(usd))),
                    keccak256(open.content)
                )
            );
        }
    }

    function _orders(Bid memory bid, bytes memory bidSignature, uint64 askNonce)
        internal
        view
        returns (bytes memory)
    {
        (Ask[] memory asks, bytes[] memory signatures) = _asks(bid.replicas, askNonce);
        return OrderCalldata.encode(bid, bidSignature, asks, signatures);
    }

    function _countFills(uint8 replicas, uint64 askNonce) internal {
        for (uint256 i = 0; i < replicas; ++i) {
            ++expectedFills[providers[i]][askNonce];
        }
    }

    function _asks(uint8 replicas, uint64 nonce)
        internal
        view
        returns (Ask[] memory asks, bytes[] memory signatures)
    {
        asks = new Ask[](replicas);
        signatures = new bytes[](replicas);
        for (uint256 i = 0; i < replicas; ++i) {
            asks[i] = Ask({
                provider: providers[i],
                token: address(usd),
                pricePerFuel: 2,
                resources: 1 | 1 << 16,
                modes: 1,
                volume: type(uint32).max,
                expiry: uint64(block.timestamp + 1 hours),
                nonce: nonce
            });
            signatures[i] = _sign(providerKeys[i], market.hashAsk(asks[i]));
        }
    }

    function replayBid(uint256 index) external {
        if (matchedBids.length == 0) return;
        index = bound(index, 0, matchedBids.length - 1);
        Bid memory bid = matchedBids[index];
        (Ask[] memory asks, bytes[] memory signatures) = _asks(bid.replicas == 1 ? 1 : 0, 1);
        ++replayAttempts;
        vm.prank(matcher);
        try market.matchOrders(
            OrderCalldata.encode(bid, matchedBidSignatures[index], asks, signatures)
        ) returns (
            bytes32 taskId
        ) {
            ++timesMatched[taskId];
        } catch {}
    }

    function submit(uint256 index) external {
        (bool found, OpenTask storage open) = _open(index);
        if (!found || open.task.providers.length != 1) return;
        vm.prank(open.task.providers[0]);
        try market.submitResult(_record(open), keccak256("ok"), open.fuel) {
            expectedEarnings[open.task.providers[0]] += uint256(open.fuel) * 2;
            settledStatus[open.taskId] = TaskStatus.Finalized;
            _tally(this.submit.selector, true);
        } catch {
            _tally(this.submit.selector, false);
        }
    }

    function commit(uint256 index, uint256 providerSeed) external {
        (bool found, OpenTask storage open) = _open(index);
        if (!found || open.task.providers.length < 2) return;
        uint256 i = bound(providerSeed, 0, open.task.providers.length - 1);
        address provider = open.task.providers[i];
        bytes32 commitment =
            keccak256(abi.encode(open.taskId, provider, _resultOf(open, i), open.fuel, bytes32(i)));
        vm.prank(provider);
        try verifier.commit(_record(open), i, commitment) {
            _tally(this.commit.selector, true);
        } catch {
            _tally(this.commit.selector, false);
        }
    }

    function reveal(uint256 index, uint256 providerSeed) external {
        (bool found, OpenTask storage open) = _open(index);
        if (!found || open.task.providers.length < 2) return;
        uint256 i = bound(providerSeed, 0, open.task.providers.length - 1);
        address provider = open.task.providers[i];
        vm.prank(provider);
        try verifier.reveal(_record(open), i, _resultOf(open, i), open.fuel, bytes32(i)) {
            if (open.lying & (1 << i) == 0) _revealedHonestly[open.taskId][i] = true;
            _recordIfSettled(open);
            _tally(this.reveal.selector, true);
        } catch {
            _tally(this.reveal.selector, false);
        }
    }

    /// @notice A provider reveals without committing, claiming to be the last to commit (often it is not).
    function revealLast(uint256 index, uint256 providerSeed) external {
        (bool found, OpenTask storage open) = _open(index);
        if (!found || open.task.providers.length < 2) return;
        uint256 i = bound(providerSeed, 0, open.task.providers.length - 1);
        vm.prank(open.task.providers[i]);
        try verifier.revealLast(_record(open), i, _resultOf(open, i), open.fuel) {
            if (open.lying & (1 << i) == 0) _revealedHonestly[open.taskId][i] = true;
            _recordIfSettled(open);
            _tally(this.revealLast.selector, true);
        } catch {
            _tally(this.revealLast.selector, false);
        }
    }

    function finalize(uint256 index) external {
        (bool found, OpenTask storage open) = _open(index);
        if (!found) return;
        try _settler(open).finalize(_record(open), keccak256("ok")) {
            _recordIfSettled(open);
            _tally(this.finalize.selector, true);
        } catch {
            _tally(this.finalize.selector, false);
        }
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 15 minutes));
    }

    /// @notice Warps past every deadline and settles every open task through the paths anyone can call.
    function settleEverything() external {
        // Past the longest windows an owner can set, since a hostile one may have set them.
        vm.warp(block.timestamp + market.MAX_COMMIT_WINDOW() + market.MAX_REVEAL_WINDOW() + 1);
        for (uint256 i = 0; i < tasks.length; ++i) {
            OpenTask storage open = tasks[i];
            if (_statusOf(open) == TaskStatus.Matched) {
                _settler(open).finalize(_record(open), keccak256("ok"));
                _recordIfSettled(open);
            }
        }
    }

    function taskCount() external view returns (uint256) {
        return tasks.length;
    }

    function taskIdAt(uint256 index) external view returns (bytes32) {
        return tasks[index].taskId;
    }

    /// @notice The record of task `index` as its next call would pass it (pending until seated).
    function recordAt(uint256 index) external view returns (bytes memory) {
        return _record(tasks[index]);
    }

    function providerCount() external view returns (uint256) {
        return providers.length;
    }

    function providerAt(uint256 index) external view returns (address) {
        return providers[index];
    }

    /// @dev Counts an honest call. A refusal while the hostile owner has closed the market to it (the token
    /// disallowed, a provider jailed or below the minimum stake) is the owner's doing, not the campaign's, and is
    /// not counted.
    /// @dev The client's bid in `lane` with sequence `seq`: the campaign's one app, fuel and price, quorum 2 of 3.
    function _bidFor(uint32 lane, uint32 seq, uint8 replicas) internal view returns (Bid memory) {
        return Bid({
            client: client,
            token: address(usd),
            appCid: hex"0155",
            inputCid: hex"0155",
            maxFuel: 1_000_000,
            maxPricePerFuel: 2,
            replicas: replicas,
            quorum: replicas == 1 ? 1 : 2,
            mode: 0,
            deadline: uint64(block.timestamp + 1 hours),
            nonce: (uint64(lane) << 32) | seq,
            encryptionKey: bytes32(0),
            matcher: matcher
        });
    }

    function _tally(bytes4 action, bool accepted) internal {
        if (!accepted && _ownerRefuses()) return;
        ++honestCalls;
        if (!accepted) return;
        ++honestSuccesses;
        ++successesOf[action];
    }

    function _ownerRefuses() internal view returns (bool) {
        if (!market.isTokenAllowed(address(usd))) return true;
        uint96 minStake = market.params().minStake;
        for (uint256 i = 0; i < providers.length; ++i) {
            (uint96 bonded, uint40 jailedUntil,) = market.standingOf(providers[i]);
            if (jailedUntil > block.timestamp || bonded < minStake) return true;
        }
        return false;
    }

    function _recordIfSettled(OpenTask storage open) internal {
        TaskStatus status = _statusOf(open);
        if (status == TaskStatus.Matched) return;
        settledStatus[open.taskId] = status;
        if (status != TaskStatus.Finalized || open.task.providers.length == 1) return;
        // Liars each reveal a different result, so only the honest one can reach a quorum; every honest
        // reveal that made it in is paid.
        for (uint256 i = 0; i < open.task.providers.length; ++i) {
            if (_revealedHonestly[open.taskId][i]) {
                expectedEarnings[open.task.providers[i]] += uint256(open.fuel) * 2;
            }
        }
    }

    mapping(bytes32 => mapping(uint256 => bool)) internal _revealedHonestly;

    function _resultOf(OpenTask storage open, uint256 i) internal view returns (bytes32) {
        return open.lying & (1 << i) != 0 ? keccak256(abi.encode("lie", i)) : keccak256("ok");
    }

    function _open(uint256 index) internal view returns (bool, OpenTask storage) {
        if (tasks.length == 0) return (false, _emptyTask());
        OpenTask storage open = tasks[bound(index, 0, tasks.length - 1)];
        return (_statusOf(open) == TaskStatus.Matched, open);
    }

    function _statusOf(OpenTask storage open) internal view returns (TaskStatus) {
        return market.taskStatus(client, open.task.nonce);
    }

    /// @dev Who settles the task with `finalize`: the market for one replica or before the draw, else the verifier.
    function _settler(OpenTask storage open) internal view returns (IFinalize) {
        return open.task.providers.length > 1 ? IFinalize(address(verifier)) : IFinalize(address(market));
    }

    function _record(OpenTask storage open) internal view returns (bytes memory) {
        if (open.pending.length != 0) return open.pending;
        return TaskRecordLib.encode(open.task);
    }

    OpenTask[1] internal _none;

    function _emptyTask() internal view returns (OpenTask storage) {
        return _none[0];
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }
}
