// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";

import {AgoraToken} from "../../src/AgoraToken.sol";
import {ComputeMarket} from "../../src/ComputeMarket.sol";
import {ProviderRegistry} from "../../src/ProviderRegistry.sol";
import {ReplicaPool} from "../../src/ReplicaPool.sol";
import {TestStablecoin} from "../../src/dev/TestStablecoin.sol";
import {IComputeMarket} from "../../src/interfaces/IComputeMarket.sol";
import {IProviderRegistry} from "../../src/interfaces/IProviderRegistry.sol";
import {IReplicaPool} from "../../src/interfaces/IReplicaPool.sol";
import {TaskRecordLib} from "../../src/libraries/TaskRecordLib.sol";
import {Ask, Bid, Task, TaskStatus} from "../../src/types/Orders.sol";
import {ReplicatedVerifier} from "../../src/verifiers/ReplicatedVerifier.sol";
import {ComputeDigests} from "./ComputeDigests.sol";
import {OrderCalldata} from "./OrderCalldata.sol";
import {SeatedRecord} from "./SeatedRecord.sol";

/// @notice The `finalize` both the market and the replicated verifier have.
interface IFinalize {
    function finalize(bytes calldata record, bytes32 resultHash) external;
}

/// @notice Deploys the real contracts and gives tests funded, staked, signing actors.
abstract contract MarketFixture is Test {
    using ComputeDigests for ComputeMarket;

    uint96 internal constant MIN_STAKE = 1000 ether;
    uint96 internal constant STAKE = 10_000 ether;
    uint16 internal constant PROTOCOL_FEE_BPS = 100;
    uint16 internal constant MATCHER_FEE_BPS = 50;
    uint32 internal constant COMMIT_WINDOW = 10 minutes;
    uint32 internal constant REVEAL_WINDOW = 10 minutes;
    uint16 internal constant SLASH_BPS = 1000;
    uint256 internal constant PRICE = 2; // tUSD base units per fuel unit
    uint64 internal constant MAX_FUEL = 1_000_000;
    uint256 internal constant CLIENT_FUNDS = 1_000_000e6;
    /// @dev Resources: 8 cores, 16 GiB, region 1.
    uint256 internal constant RESOURCES = 8 | (16_384 << 16) | (1 << 88);
    bytes internal constant APP_CID =
        hex"01551220a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447";
    bytes internal constant INPUT_CID =
        hex"015512202c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";
    bytes internal constant METADATA_CID =
        hex"01551220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    address internal owner = makeAddr("owner");
    address internal treasury = makeAddr("treasury");
    address internal matcher = makeAddr("matcher");
    address internal client;
    uint256 internal clientKey;
    address[] internal providers;
    uint256[] internal providerKeys;

    AgoraToken internal agora;
    TestStablecoin internal usd;
    ProviderRegistry internal registry;
    ComputeMarket internal market;
    ReplicaPool internal pool;
    /// @dev The market's own verifier of replicated tasks with several replicas.
    ReplicatedVerifier internal verifier;

    /// @dev Each bid gets a lane of its own unless a test sets `bidLane`, so tasks can be open side by side.
    uint32 internal nextLane = 1;
    /// @dev When non-zero, bids go into this lane with growing sequence numbers, as a busy client's would.
    uint32 internal bidLane;
    uint32 internal nextSeq = 1;
    mapping(address => uint64) internal nextAskNonce;

    function setUp() public virtual {
        agora = new AgoraToken(address(this), 1e9 ether);
        usd = new TestStablecoin();
        registry = new ProviderRegistry(
            agora,
            owner,
            treasury,
            IProviderRegistry.RegistryParams({
                unbondingPeriod: 7 days, slashBps: SLASH_BPS, jailDuration: 1 days
            })
        );
        pool = new ReplicaPool(registry, owner, STAKE);
        market = new ComputeMarket(
            registry,
            pool,
            owner,
            treasury,
            IComputeMarket.MarketParams({
                protocolFeeBps: PROTOCOL_FEE_BPS,
                matcherFeeBps: MATCHER_FEE_BPS,
                commitWindow: COMMIT_WINDOW,
                revealWindow: REVEAL_WINDOW,
                minStake: MIN_STAKE
            })
        );
        verifier = ReplicatedVerifier(market.verifierOf(0));
        vm.startPrank(owner);
        registry.setSlasher(address(market), true);
        registry.setMirror(address(market), true);
        market.setTokenAllowed(address(usd), true);
        vm.stopPrank();

        (client, clientKey) = makeAddrAndKey("client");
        _fund(client, CLIENT_FUNDS);
        for (uint256 i = 0; i < 5; ++i) {
            (address provider, uint256 key) = makeAddrAndKey(string.concat("provider", vm.toString(i)));
            providers.push(provider);
            providerKeys.push(key);
            _registerAndStake(provider, STAKE);
        }
    }

    function _fund(address account, uint256 amount) internal {
        usd.mint(account, amount);
        vm.startPrank(account);
        usd.approve(address(market), amount);
        market.deposit(address(usd), account, amount);
        vm.stopPrank();
    }

    function _registerAndStake(address provider, uint96 amount) internal {
        agora.transfer(provider, amount);
        vm.startPrank(provider);
        registry.register(RESOURCES, METADATA_CID);
        agora.approve(address(registry), amount);
        registry.stake(amount);
        vm.stopPrank();
    }

    function _bid(uint8 replicas, uint8 quorum) internal returns (Bid memory bid) {
        bid = Bid({
            client: client,
            token: address(usd),
            appCid: APP_CID,
            inputCid: INPUT_CID,
            maxFuel: MAX_FUEL,
            maxPricePerFuel: PRICE,
            replicas: replicas,
            quorum: quorum,
            mode: 0,
            deadline: uint64(block.timestamp + 1 hours),
            nonce: _nextNonce(),
            encryptionKey: bytes32(0),
            matcher: matcher
        });
    }

    function _nextNonce() internal returns (uint64) {
        if (bidLane != 0) return (uint64(bidLane) << 32) | nextSeq++;
        return uint64(nextLane++) << 32;
    }

    function _ask(uint256 providerIndex) internal returns (Ask memory ask) {
        address provider = providers[providerIndex];
        ask = Ask({
            provider: provider,
            token: address(usd),
            pricePerFuel: PRICE,
            resources: RESOURCES,
            modes: 1,
            volume: 100,
            expiry: uint64(block.timestamp + 1 hours),
            nonce: ++nextAskNonce[provider]
        });
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _signBid(Bid memory bid) internal view returns (bytes memory) {
        return _sign(clientKey, market.hashBid(bid));
    }

    function _asksFor(uint256 count) internal returns (Ask[] memory asks, bytes[] memory signatures) {
        asks = new Ask[](count);
        signatures = new bytes[](count);
        for (uint256 i = 0; i < count; ++i) {
            asks[i] = _ask(i);
            signatures[i] = _sign(providerKeys[i], market.hashAsk(asks[i]));
        }
    }

    /// @dev The record `matchOrders` stores for `bid` matched now by `matcher_` with the first providers.
    function _taskFor(Bid memory bid, address matcher_) internal view returns (Task memory task) {
        address[] memory assigned = new address[](bid.replicas);
        for (uint256 i = 0; i < bid.replicas; ++i) {
            assigned[i] = providers[i];
        }
        uint64 commitDeadline = uint64(block.timestamp) + COMMIT_WINDOW;
        task = Task({
            client: bid.client,
            nonce: bid.nonce,
            token: bid.token,
            matcher: matcher_,
            pricePerFuel: uint128(PRICE),
            maxFuel: bid.maxFuel,
            quorum: bid.quorum,
            protocolFeeBps: PROTOCOL_FEE_BPS,
            matcherFeeBps: matcher_ == address(0) ? 0 : MATCHER_FEE_BPS,
            commitDeadline: commitDeadline,
            revealDeadline: commitDeadline + REVEAL_WINDOW,
            previous: market.laneState(bid.client, uint32(bid.nonce >> 32)).head,
            mode: bid.mode,
            providers: assigned
        });
    }

    /// @dev Matches a fresh bid with the first `replicas` providers through the matcher. With several replicas the
    /// pool holds exactly those providers, so the draw seats all of them, in slot (here: index) order.
    function _matchTask(uint8 replicas, uint8 quorum) internal returns (bytes32 taskId, Task memory task) {
        Bid memory bid = _bid(replicas, quorum);
        bytes memory bidSignature = _signBid(bid);
        if (replicas == 1) {
            (Ask[] memory asks, bytes[] memory signatures) = _asksFor(1);
            task = _taskFor(bid, matcher);
            vm.prank(matcher);
            taskId = market.matchOrders(_orders(bid, bidSignature, asks, signatures));
            return (taskId, task);
        }
        _poolOnly(replicas);
        task = _taskFor(bid, matcher);
        vm.prank(matcher);
        taskId = market.matchOrders(_orders(bid, bidSignature, new Ask[](0), new bytes[](0)));
        _seat(bid, task);
    }

    /// @dev Matches a replicated bid and leaves it pending, in the next block; `task` gets the seats the draw will
    /// make and their price, learnt by simulating `seat` (undone), as a pool member's agent does.
    function _matchPending(uint8 replicas, uint8 quorum)
        internal
        returns (bytes32 taskId, Task memory task, bytes memory pending, bytes memory content)
    {
        Bid memory bid = _bid(replicas, quorum);
        bytes memory bidSignature = _signBid(bid);
        _poolOnly(replicas);
        task = _taskFor(bid, matcher);
        vm.prank(matcher);
        taskId = market.matchOrders(_orders(bid, bidSignature, new Ask[](0), new bytes[](0)));
        pending = _pendingRecord(bid, task);
        content = _content(bid);
        vm.roll(block.number + 1);
        uint256 beforeSeat = vm.snapshotState();
        bytes memory seated = market.seat(pending, content);
        vm.revertToState(beforeSeat);
        task.providers = SeatedRecord.providers(seated);
        task.pricePerFuel = SeatedRecord.pricePerFuel(seated);
    }

    function _seatAndCommit(
        Task memory task,
        bytes memory pending,
        bytes memory content,
        uint256 index,
        bytes32 resultHash,
        uint64 fuelUsed
    ) internal {
        address provider = task.providers[index];
        bytes32 commitment = _commitment(
            market.taskIdOf(task.client, task.nonce), provider, resultHash, fuelUsed, _salt(index)
        );
        vm.prank(provider);
        verifier.seatAndCommit(pending, content, index, commitment);
    }

    /// @dev Makes the pool of the test token hold exactly `providers[0..count)`, each joined with its standing as it
    /// is now, in a block before the next match.
    function _poolOnly(uint256 count) internal {
        for (uint256 i = providers.length; i > count; --i) {
            (, bool member) = pool.slotOf(address(usd), providers[i - 1]);
            if (member) {
                vm.prank(providers[i - 1]);
                pool.leave(address(usd));
            }
        }
        for (uint256 i = 0; i < count; ++i) {
            _joinPool(providers[i]);
        }
        vm.roll(block.number + 1);
    }

    /// @dev Joins (or renews) `provider` unless its membership is current.
    function _joinPool(address provider) internal {
        (uint256 slot, bool member) = pool.slotOf(address(usd), provider);
        if (member) {
            IReplicaPool.Member memory current = pool.memberAt(address(usd), slot);
            // Joined with at least the stake it has now, so rejoining would not raise its weight.
            bool weighsAll = current.bondedAtJoin >= registry.providerOf(provider).bonded;
            if (weighsAll && current.expiry > block.timestamp + 1 days) return;
        }
        vm.prank(provider);
        pool.join(address(usd), uint96(PRICE), uint32(block.timestamp + 30 days));
    }

    /// @dev The pending record `matchOrders` stores for a several-replica `bid` matched now into `task`'s lane.
    function _pendingRecord(Bid memory bid, Task memory task) internal view returns (bytes memory) {
        Task memory head = task;
        head.providers = new address[](0);
        head.pricePerFuel = uint128(bid.maxPricePerFuel);
        return bytes.concat(
            TaskRecordLib.encode(head),
            abi.encodePacked(
                bid.replicas, uint64(block.number), uint32(pool.sizeOf(bid.token)), keccak256(_content(bid))
            )
        );
    }

    /// @dev The bid content `TaskPending` and `TaskMatched` carry: from the encryption key to the CIDs' end.
    function _content(Bid memory bid) internal pure returns (bytes memory) {
        return abi.encodePacked(
            bid.encryptionKey, uint8(bid.appCid.length), bid.appCid, uint8(bid.inputCid.length), bid.inputCid
        );
    }

    /// @dev Seats a pending task in the next block; `task` (as `_taskFor` built it) gets the drawn providers and the
    /// price they are paid, the highest of their floors.
    function _seat(Bid memory bid, Task memory task) internal {
        bytes memory pending = _pendingRecord(bid, task);
        vm.roll(block.number + 1);
        bytes memory seated = market.seat(pending, _content(bid));
        task.providers = SeatedRecord.providers(seated);
        uint256 price;
        for (uint256 i = 0; i < task.providers.length; ++i) {
            (uint256 slot,) = pool.slotOf(bid.token, task.providers[i]);
            uint256 floor = pool.memberAt(bid.token, slot).floorPricePerFuel;
            if (floor > price) price = floor;
        }
        task.pricePerFuel = uint128(price);
        assertEq(SeatedRecord.pricePerFuel(seated), price, "seated at the highest floor among the seats");
        assertEq(seated, _record(task), "seat returns the record TaskMatched carries");
    }

    /// @dev The packed orders `matchOrders` and `fill` take.
    function _orders(
        Bid memory bid,
        bytes memory bidSignature,
        Ask[] memory asks,
        bytes[] memory askSignatures
    ) internal pure returns (bytes memory) {
        return OrderCalldata.encode(bid, bidSignature, asks, askSignatures);
    }

    function _commitment(bytes32 taskId, address provider, bytes32 resultHash, uint64 fuelUsed, bytes32 salt)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(taskId, provider, resultHash, fuelUsed, salt));
    }

    function _commit(Task memory task, uint256 index, bytes32 resultHash, uint64 fuelUsed) internal {
        address provider = task.providers[index];
        bytes32 taskId = market.taskIdOf(task.client, task.nonce);
        vm.prank(provider);
        verifier.commit(
            _record(task), index, _commitment(taskId, provider, resultHash, fuelUsed, _salt(index))
        );
    }

    function _reveal(Task memory task, uint256 index, bytes32 resultHash, uint64 fuelUsed) internal {
        vm.prank(task.providers[index]);
        verifier.reveal(_record(task), index, resultHash, fuelUsed, _salt(index));
    }

    function _revealLast(Task memory task, uint256 index, bytes32 resultHash, uint64 fuelUsed) internal {
        vm.prank(task.providers[index]);
        verifier.revealLast(_record(task), index, resultHash, fuelUsed);
    }

    /// @dev Who settles `task` with `finalize`: the market for one replica, the verifier for several.
    function _settler(Task memory task) internal view returns (IFinalize) {
        return task.providers.length == 1 ? IFinalize(address(market)) : IFinalize(address(verifier));
    }

    function _record(Task memory task) internal pure returns (bytes memory) {
        return TaskRecordLib.encode(task);
    }

    function _status(Task memory task) internal view returns (TaskStatus) {
        return market.taskStatus(task.client, task.nonce);
    }

    function _salt(uint256 index) internal pure returns (bytes32) {
        return keccak256(abi.encode("salt", index));
    }

    function _free(address account) internal view returns (uint256) {
        return market.balanceOf(address(usd), account).free;
    }

    function _locked(address account) internal view returns (uint256) {
        return market.balanceOf(address(usd), account).locked;
    }

    /// @dev What a client is charged when `paid` providers of a matched task are paid for `fuel` each.
    function _charged(uint256 paid, uint64 fuel) internal pure returns (uint256) {
        uint256 cost = uint256(fuel) * PRICE * paid;
        return cost + cost * PROTOCOL_FEE_BPS / 10_000 + cost * MATCHER_FEE_BPS / 10_000;
    }

    function _lockFor(uint256 replicas, bool withMatcher) internal pure returns (uint256) {
        uint256 base = PRICE * MAX_FUEL * replicas;
        return base + base * PROTOCOL_FEE_BPS / 10_000 + (withMatcher ? base * MATCHER_FEE_BPS / 10_000 : 0);
    }

    /// @dev The escrow holds exactly the client's, the providers' and the fee pots' balances.
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
