// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {Escrow} from "./Escrow.sol";
import {IComputeMarket} from "./interfaces/IComputeMarket.sol";
import {IProviderMirror} from "./interfaces/IProviderMirror.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";
import {IReplicaPool} from "./interfaces/IReplicaPool.sol";
import {IVerifier} from "./interfaces/IVerifier.sol";
import {OrderCalldataLib} from "./libraries/OrderCalldataLib.sol";
import {ProviderWordLib} from "./libraries/ProviderWordLib.sol";
import {TaskRecordLib} from "./libraries/TaskRecordLib.sol";
import {TaskStateLib} from "./libraries/TaskStateLib.sol";
import {Task, TaskStatus, VerificationMode} from "./types/Orders.sol";
import {TASK_COUNT_MASK} from "./types/TaskCounts.sol";
import {ReplicatedVerifier} from "./verifiers/ReplicatedVerifier.sol";

/// @title ComputeMarket
/// @notice Matches signed bids and asks, escrows payment, and settles what each task's verifier decides.
/// @dev Gas design: a task's terms travel as a packed record in calldata and only its hash is stored, in the
/// word of the client's lane; lane words and replica words are reused by every task in the lane, so a task in
/// steady state rewrites warm-zero-free slots (5,000 gas) instead of filling fresh ones (22,100). Escrow lives in
/// this contract. See `TaskStateLib` and `TaskRecordLib`.
contract ComputeMarket is IComputeMarket, Escrow, EIP712 {
    using TaskStateLib for uint256;
    using TaskRecordLib for bytes;
    using ProviderWordLib for uint256;

    uint256 public constant MAX_REPLICAS = 16;
    uint16 public constant MAX_PROTOCOL_FEE_BPS = 1000;
    uint16 public constant MAX_MATCHER_FEE_BPS = 1000;
    uint32 public constant MIN_WINDOW = 1 minutes;
    /// @notice Commit plus reveal windows stay below the registry's minimum unbonding period, so a provider
    /// can never withdraw stake before a task it joined has settled.
    uint32 public constant MAX_COMMIT_WINDOW = 1 days;
    uint32 public constant MAX_REVEAL_WINDOW = 1 days;
    uint96 public constant MAX_MIN_STAKE = 1e9 ether;
    /// @notice How long after its reveal deadline a task its verifier left open can be ended by `expire`.
    uint32 public constant VERIFIER_GRACE = 7 days;
    /// @dev Modes an ask can accept: its `modes` is a 32-bit mask.
    uint8 internal constant MODE_COUNT = 32;
    uint256 private constant BPS = 10_000;

    IProviderRegistry public immutable registry;
    /// @notice Where the seats of a task with several replicas are drawn from.
    IReplicaPool public immutable pool;
    MarketParams internal _params;
    /// @notice The verifier of `VerificationMode.Replicated`, created with the market.
    address internal immutable _replicatedVerifier;
    mapping(uint8 mode => address) internal _verifiers;

    mapping(address client => mapping(uint32 lane => uint256)) internal _lanes;
    /// @notice Fills of asks that are not their provider's hot ask (see `ProviderWordLib`).
    mapping(address provider => mapping(uint64 nonce => uint256)) internal _askFills;
    /// @notice Each provider's standing, mirrored from the registry, and its hot ask (see `ProviderWordLib`).
    mapping(address provider => uint256) internal _providerWords;

    constructor(
        IProviderRegistry registry_,
        IReplicaPool pool_,
        address owner_,
        address treasury_,
        MarketParams memory params_
    ) Ownable(owner_) Escrow(treasury_) EIP712("Agora Compute", "1") {
        if (address(registry_).code.length == 0) {
            revert ComputeRegistryNotContract(address(registry_));
        }
        registry = registry_;
        pool = pool_;
        _replicatedVerifier = address(new ReplicatedVerifier());
        _setParams(params_);
    }

    /// @inheritdoc IComputeMarket
    function matchOrders(bytes calldata orders) external returns (bytes32 taskId) {
        return _match(orders, msg.sender);
    }

    /// @inheritdoc IComputeMarket
    function fill(bytes calldata orders) external returns (bytes32 taskId) {
        (uint256 bid,) = OrderCalldataLib.bounds(orders);
        address client = OrderCalldataLib.client(bid);
        if (msg.sender != client) revert ComputeNotClient(msg.sender, client);
        return _match(orders, address(0));
    }

    /// @inheritdoc IComputeMarket
    function submitResult(bytes calldata record, bytes32 resultHash, uint64 fuelUsed) external {
        (bytes32 taskId, uint256 lane) = _requireOpen(record);
        uint256 replicas = record.providerCount();
        if (replicas != 1) revert ComputeWrongReplicaCount(replicas);
        if (record.mode() != 0) revert ComputeVerifiedByModule(taskId, _verifierOf(record.mode()));
        if (msg.sender != record.provider(0)) revert ComputeNotAssigned(msg.sender, 0);
        uint64 commitDeadline = record.commitDeadline();
        if (block.timestamp > commitDeadline) revert ComputeCommitClosed(commitDeadline);
        uint64 maxFuel = record.maxFuel();
        if (fuelUsed > maxFuel) revert ComputeFuelAboveLimit(fuelUsed, maxFuel);
        _settle(taskId, record, lane, TaskStatus.Finalized, 1, 0, fuelUsed, resultHash);
    }

    /// @inheritdoc IComputeMarket
    function finalize(bytes calldata record, bytes32) external {
        (bytes32 taskId, uint256 lane) = _requireOpen(record);
        if (record.isSeated() && (record.mode() != 0 || record.providerCount() != 1)) {
            revert ComputeVerifiedByModule(taskId, _verifierOf(record.mode()));
        }
        if (block.timestamp <= record.commitDeadline()) revert ComputeTooEarly(taskId);
        if (record.isSeated()) _settle(taskId, record, lane, TaskStatus.Failed, 0, 1, 0, bytes32(0));
        else _settleUnseated(taskId, record, lane);
    }

    /// @inheritdoc IComputeMarket
    function settle(bytes calldata record, Verdict calldata verdict) external {
        (bytes32 taskId, uint256 lane) = _requireOpen(record);
        if (!record.isSeated()) revert ComputeNotSeated(taskId);
        address verifier = _verifierOf(record.mode());
        if (msg.sender != verifier) revert ComputeNotVerifier(msg.sender, verifier);
        if (_isFinalizedVerdict(taskId, record, verdict)) {
            _settle(
                taskId,
                record,
                lane,
                TaskStatus.Finalized,
                verdict.paidMask,
                verdict.slashedMask,
                verdict.fuelUsed,
                verdict.resultHash
            );
        } else {
            _settle(taskId, record, lane, TaskStatus.Failed, 0, verdict.slashedMask, 0, bytes32(0));
        }
    }

    /// @inheritdoc IComputeMarket
    function expire(bytes calldata record) external {
        (bytes32 taskId, uint256 lane) = _requireOpen(record);
        if (!record.isSeated()) revert ComputeNotSeated(taskId);
        // The market settles the one-replica fast path itself, and `finalize` always can.
        uint64 expiresAt = record.mode() == 0 && record.providerCount() == 1
            ? type(uint64).max
            : record.revealDeadline() + VERIFIER_GRACE;
        if (block.timestamp <= expiresAt) revert ComputeNotExpired(taskId, expiresAt);
        _settle(taskId, record, lane, TaskStatus.Failed, 0, 0, 0, bytes32(0));
    }

    /// @inheritdoc IComputeMarket
    function installVerifier(uint8 mode, address verifier) external onlyOwner {
        _requireWithin("mode", mode, 1, MODE_COUNT - 1);
        address installed = _verifierOf(mode);
        if (installed != address(0)) revert ComputeVerifierInstalled(mode, installed);
        if (verifier.code.length == 0) revert ComputeVerifierNotContract(verifier);
        _verifiers[mode] = verifier;
        emit VerifierInstalled(mode, verifier);
    }

    /// @inheritdoc IComputeMarket
    function verifierOf(uint8 mode) external view returns (address) {
        return _verifierOf(mode);
    }

    /// @inheritdoc IComputeMarket
    function seat(bytes calldata record, bytes calldata content)
        external
        returns (bytes memory seatedRecord)
    {
        (bytes32 taskId, uint256 lane) = _requireOpen(record);
        if (record.isSeated()) revert ComputeAlreadySeated(taskId);
        if (keccak256(content) != record.contentHash()) revert ComputeContentMismatch(taskId);
        (address[] memory providers, uint256 price) = _drawSeats(record, taskId);
        for (uint256 i = 0; i < providers.length; ++i) {
            _providerWords[providers[i]] = _providerWords[providers[i]].withMatchedTask();
        }
        _releaseAbovePrice(record, price);
        seatedRecord = record.seated(providers, price);
        _lanes[record.client()][TaskStateLib.laneOf(record.nonce())] = TaskStateLib.packLane(
            TaskStatus.Matched, lane.seq(), lane.floor(), TaskRecordLib.hash(seatedRecord)
        );
        emit TaskMatched(taskId, record.client(), bytes.concat(content, seatedRecord));
        IVerifier(_verifierOf(record.mode())).onTaskOpened(seatedRecord, content);
    }

    /// @inheritdoc IComputeMarket
    function cancelBid(uint64 nonce) external {
        uint32 laneId = TaskStateLib.laneOf(nonce);
        uint256 seq = TaskStateLib.seqOf(nonce);
        uint256 lane = _lanes[msg.sender][laneId];
        if (seq < lane.floor()) revert ComputeNonceUsed(msg.sender, nonce);
        // The last sequence number can never be matched (see `_match`), so a floor of it retires it too.
        _lanes[msg.sender][laneId] = lane.withFloor(seq == type(uint32).max ? seq : seq + 1);
        emit BidCancelled(msg.sender, nonce, taskIdOf(msg.sender, nonce));
    }

    /// @inheritdoc IComputeMarket
    function cancelAsk(uint64 nonce) external {
        _askFills[msg.sender][nonce] = type(uint256).max;
        uint256 word = _providerWords[msg.sender];
        if (word.isHotAsk(nonce)) _providerWords[msg.sender] = word.withoutHotAsk();
        emit AskCancelled(msg.sender, nonce);
    }

    /// @inheritdoc IProviderMirror
    function onProviderChanged(
        address provider,
        uint96 bonded,
        uint40 jailedUntil,
        IProviderRegistry.ProviderStatus status
    ) external {
        if (msg.sender != address(registry)) revert ComputeNotRegistry(msg.sender);
        _providerWords[provider] = _providerWords[provider].withStanding(bonded, jailedUntil, status);
    }

    /// @notice Sets the market parameters, each within its hard bounds.
    function setParams(MarketParams calldata params_) external onlyOwner {
        _setParams(params_);
    }

    /// @inheritdoc IComputeMarket
    function taskIdOf(address client, uint64 nonce) public pure returns (bytes32) {
        return keccak256(abi.encode(client, nonce));
    }

    /// @inheritdoc IComputeMarket
    function taskStatus(address client, uint64 nonce) external view returns (TaskStatus) {
        return _statusOf(_lanes[client][TaskStateLib.laneOf(nonce)], TaskStateLib.seqOf(nonce));
    }

    /// @inheritdoc IComputeMarket
    function laneState(address client, uint32 lane) external view returns (LaneState memory) {
        uint256 word = _lanes[client][lane];
        return LaneState({status: word.status(), seq: word.seq(), floor: word.floor(), head: word.head()});
    }

    /// @inheritdoc IComputeMarket
    function isNonceUsable(address client, uint64 nonce) external view returns (bool) {
        uint256 lane = _lanes[client][TaskStateLib.laneOf(nonce)];
        uint256 seq = TaskStateLib.seqOf(nonce);
        return lane.status() != TaskStatus.Matched && seq >= lane.floor() && seq != type(uint32).max;
    }

    /// @inheritdoc IComputeMarket
    function askFills(address provider, uint64 nonce) external view returns (uint256) {
        uint256 word = _providerWords[provider];
        return word.isHotAsk(nonce) ? word.hotAskFills() : _askFills[provider][nonce];
    }

    /// @inheritdoc IComputeMarket
    function standingOf(address provider)
        external
        view
        returns (uint96 bonded, uint40 jailedUntil, IProviderRegistry.ProviderStatus status)
    {
        uint256 word = _providerWords[provider];
        return (word.bonded(), word.jailedUntil(), word.providerStatus());
    }

    /// @inheritdoc IProviderMirror
    function openTasksOf(address provider) external view returns (uint256) {
        // Both counts are modulo 2^15, so their difference is too; it must never revert (the registry would then
        // ignore this market's answer).
        unchecked {
            return (_providerWords[provider].matchedTasks() - _settledTasks(provider)) & TASK_COUNT_MASK;
        }
    }

    /// @inheritdoc IComputeMarket
    function lockAmount(
        uint256 pricePerFuel,
        uint64 maxFuel,
        uint256 replicas,
        uint256 protocolFeeBps,
        uint256 matcherFeeBps
    ) public pure returns (uint256) {
        uint256 base = pricePerFuel * maxFuel * replicas;
        return base + base * protocolFeeBps / BPS + base * matcherFeeBps / BPS;
    }

    /// @inheritdoc IComputeMarket
    function params() external view returns (MarketParams memory) {
        return _params;
    }

    /// @dev One replica: the orders name its provider's ask. Several: the orders are the bid alone, the task is
    /// matched at the bid's price and its seats are drawn from the pool in a later block (`seat`), so nobody who
    /// submits a match chooses the providers a quorum is made of.
    function _match(bytes calldata orders, address matcher) private returns (bytes32 taskId) {
        if (orders.length < OrderCalldataLib.BID_HEAD_LENGTH) revert ComputeOrdersMalformed();
        (uint256 bid,) = OrderCalldataLib.bounds(orders);
        uint256 replicas = _checkBid(bid);
        bytes23 previous = _checkLane(bid);
        MarketParams memory params_ = _params;
        if (replicas == 1) {
            address[] memory providers = new address[](1);
            uint256 price = _checkOrders(orders, matcher, providers, params_.minStake);
            bytes memory opened = _openTask(bid, previous, providers, price, matcher, params_);
            taskId = _announce(bid, opened);
            uint8 mode = OrderCalldataLib.mode(bid);
            if (mode != 0) IVerifier(_verifierOf(mode)).onTaskOpened(opened, OrderCalldataLib.content(bid));
            return taskId;
        }
        _checkOrders(orders, matcher, new address[](0), 0);
        uint256 bidPrice = OrderCalldataLib.maxPricePerFuel(bid);
        if (bidPrice > type(uint128).max) bidPrice = type(uint128).max;
        bytes memory record = _openTask(bid, previous, new address[](0), bidPrice, matcher, params_);
        address client = OrderCalldataLib.client(bid);
        taskId = taskIdOf(client, OrderCalldataLib.nonce(bid));
        emit TaskPending(taskId, client, bytes.concat(OrderCalldataLib.content(bid), record));
    }

    /// @dev Checks that the orders hold one bid and exactly one ask per replica, then the bid's signature, then
    /// takes the asks; returns the task's price.
    function _checkOrders(
        bytes calldata orders,
        address matcher,
        address[] memory providers,
        uint256 minStake
    ) private returns (uint256 price) {
        (uint256 bid, uint256 end) = OrderCalldataLib.bounds(orders);
        (,,,, uint256 cidsEnd) = OrderCalldataLib.cids(bid);
        (,, uint256 asks) = OrderCalldataLib.signature(cidsEnd);
        _requireAskCount(asks, end, providers.length);
        _verifyBid(bid, matcher);
        return _takeAsks(bid, asks, providers, minStake);
    }

    /// @dev Walks the asks by their lengths: reverts unless exactly `replicas` of them end where the orders do.
    /// Bounded: each ask is at least `ASK_HEAD_LENGTH` bytes of calldata.
    function _requireAskCount(uint256 ask, uint256 end, uint256 replicas) private pure {
        uint256 count;
        while (ask < end) {
            (,, ask) = OrderCalldataLib.signature(ask + OrderCalldataLib.ASK_HEAD_LENGTH);
            ++count;
        }
        if (ask != end) revert ComputeOrdersMalformed();
        // Cannot truncate: `_checkBid` bounds replicas by MAX_REPLICAS.
        if (count != replicas) revert ComputeAskCountMismatch(count, uint8(replicas));
    }

    /// @dev Reverts unless the bid's nonce is usable in its lane now; returns the lane's head.
    function _checkLane(uint256 bid) private view returns (bytes23) {
        address client = OrderCalldataLib.client(bid);
        uint64 nonce = OrderCalldataLib.nonce(bid);
        uint256 lane = _lanes[client][TaskStateLib.laneOf(nonce)];
        if (TaskStateLib.seqOf(nonce) < lane.floor()) revert ComputeNonceUsed(client, nonce);
        if (lane.status() == TaskStatus.Matched) revert ComputeLaneBusy(client, TaskStateLib.laneOf(nonce));
        return lane.head();
    }

    /// @dev Announces the matched task with its record and the bid's content, packed (see `TaskMatched`).
    function _announce(uint256 bid, bytes memory record) private returns (bytes32 taskId) {
        address client = OrderCalldataLib.client(bid);
        taskId = taskIdOf(client, OrderCalldataLib.nonce(bid));
        emit TaskMatched(taskId, client, bytes.concat(OrderCalldataLib.content(bid), record));
    }

    /// @dev Checks the bid's own terms; returns its replica count.
    function _checkBid(uint256 bid) private view returns (uint256 replicas) {
        uint64 deadline = OrderCalldataLib.deadline(bid);
        if (block.timestamp > deadline) revert ComputeBidExpired(deadline);
        replicas = OrderCalldataLib.replicas(bid);
        uint256 quorum = OrderCalldataLib.quorum(bid);
        if (replicas == 0 || replicas > MAX_REPLICAS || quorum > replicas || quorum * 2 <= replicas) {
            revert ComputeInvalidReplicas(uint8(replicas), uint8(quorum));
        }
        uint8 mode = OrderCalldataLib.mode(bid);
        if (mode != uint8(VerificationMode.Replicated)) {
            if (_verifiers[mode] == address(0)) revert ComputeModeNotInstalled(mode);
            // Drawn seats never accepted a mode; an ask names the modes its provider accepts.
            if (replicas != 1) revert ComputeModeNeedsAsks(mode);
        }
        if (
            OrderCalldataLib.maxFuel(bid) == 0
                || TaskStateLib.seqOf(OrderCalldataLib.nonce(bid)) == type(uint32).max
        ) {
            revert ComputeInvalidBid();
        }
    }

    /// @dev Checks the bid's CIDs, and its signature unless the client sends the fill itself.
    function _verifyBid(uint256 bid, address matcher) private view {
        (uint256 appCid, uint256 appCidLength, uint256 inputCid, uint256 inputCidLength, uint256 end) =
            OrderCalldataLib.cids(bid);
        if (appCidLength == 0 || inputCidLength == 0) revert ComputeInvalidBid();
        if (matcher == address(0)) return;
        bytes32 digest = _hashTypedDataV4(
            OrderCalldataLib.bidStructHash(bid, appCid, appCidLength, inputCid, inputCidLength, matcher)
        );
        (uint256 signature, uint256 signatureLength,) = OrderCalldataLib.signature(end);
        _requireSignature(OrderCalldataLib.client(bid), digest, _slice(signature, signatureLength));
    }

    /// @dev Locks the client's escrow for the bid's replicas and stores the record's hash in the lane; returns the
    /// record. Without providers the record is pending: it ends with the tail `seat` draws from.
    function _openTask(
        uint256 bid,
        bytes23 previous,
        address[] memory providers,
        uint256 price,
        address matcher,
        MarketParams memory params_
    ) private returns (bytes memory record) {
        uint64 commitDeadline = uint64(block.timestamp) + params_.commitWindow;
        Task memory task = Task({
            client: OrderCalldataLib.client(bid),
            nonce: OrderCalldataLib.nonce(bid),
            token: OrderCalldataLib.token(bid),
            matcher: matcher,
            // Cannot truncate: `_takeAsks` bounds every price by type(uint128).max.
            pricePerFuel: uint128(price),
            maxFuel: OrderCalldataLib.maxFuel(bid),
            quorum: OrderCalldataLib.quorum(bid),
            protocolFeeBps: params_.protocolFeeBps,
            matcherFeeBps: matcher == address(0) ? 0 : params_.matcherFeeBps,
            commitDeadline: commitDeadline,
            revealDeadline: commitDeadline + params_.revealWindow,
            previous: previous,
            mode: OrderCalldataLib.mode(bid),
            providers: providers
        });
        uint256 replicas = OrderCalldataLib.replicas(bid);
        _lock(
            task.token,
            task.client,
            lockAmount(price, task.maxFuel, replicas, task.protocolFeeBps, task.matcherFeeBps)
        );
        record = TaskRecordLib.encode(task);
        if (providers.length == 0) {
            record = bytes.concat(
                record,
                abi.encodePacked(
                    uint8(replicas),
                    uint64(block.number),
                    uint32(pool.sizeOf(task.token)),
                    keccak256(OrderCalldataLib.content(bid))
                )
            );
        }
        uint256 seq = TaskStateLib.seqOf(task.nonce);
        // The floor moves past this sequence: a bid's nonce is used once.
        _lanes[task.client][TaskStateLib.laneOf(task.nonce)] =
            TaskStateLib.packLane(TaskStatus.Matched, seq, seq + 1, TaskRecordLib.hash(record));
    }

    /// @dev Checks each ask against the bid and its provider's standing, counts its fill, and returns the task's
    /// price: the highest ask, so every replica is paid at least what it asked and the client at most what it bid.
    function _takeAsks(uint256 bid, uint256 ask, address[] memory providers, uint256 minStake)
        private
        returns (uint256 price)
    {
        uint256 maxPrice = OrderCalldataLib.maxPricePerFuel(bid);
        if (maxPrice > type(uint128).max) maxPrice = type(uint128).max;
        for (uint256 i = 0; i < providers.length; ++i) {
            (uint256 askPrice, uint256 next) = _takeAsk(bid, ask, maxPrice, providers, i);
            _countFill(providers[i], ask, minStake);
            if (askPrice > price) price = askPrice;
            ask = next;
        }
    }

    /// @dev Checks ask `i` against the bid; returns its price and where the next ask starts.
    function _takeAsk(uint256 bid, uint256 ask, uint256 maxPrice, address[] memory providers, uint256 i)
        private
        view
        returns (uint256 askPrice, uint256 next)
    {
        address provider = OrderCalldataLib.askProvider(ask);
        uint64 expiry = OrderCalldataLib.askExpiry(ask);
        if (block.timestamp > expiry) revert ComputeAskExpired(provider, expiry);
        askPrice = OrderCalldataLib.askPricePerFuel(ask);
        if (askPrice > maxPrice) revert ComputePriceTooHigh(provider, askPrice, maxPrice);
        uint8 mode = OrderCalldataLib.mode(bid);
        if (OrderCalldataLib.askModes(ask) & (1 << mode) == 0) revert ComputeModeNotAccepted(provider, mode);
        providers[i] = provider;
        next = _requireAskSignature(bid, ask, provider);
    }

    /// @dev Reverts unless the provider is active, not jailed and bonded at least `minStake` (as the registry would,
    /// with its errors), then counts one fill of its ask, which becomes the provider's hot ask.
    function _countFill(address provider, uint256 ask, uint256 minStake) private {
        uint256 word = _providerWords[provider];
        IProviderRegistry.ProviderStatus status = word.providerStatus();
        if (status != IProviderRegistry.ProviderStatus.Active) {
            if (status == IProviderRegistry.ProviderStatus.Left) {
                revert IProviderRegistry.RegistryProviderLeft(provider);
            }
            revert IProviderRegistry.RegistryNotRegistered(provider);
        }
        if (word.jailedUntil() > block.timestamp) {
            revert IProviderRegistry.RegistryJailed(provider, word.jailedUntil());
        }
        if (word.bonded() < minStake) {
            revert IProviderRegistry.RegistryInsufficientStake(provider, word.bonded(), minStake);
        }
        uint64 askNonce = OrderCalldataLib.askNonce(ask);
        bool hot = word.isHotAsk(askNonce);
        uint256 fills = hot ? word.hotAskFills() : _askFills[provider][askNonce];
        if (fills >= OrderCalldataLib.askVolume(ask)) revert ComputeAskExhausted(provider, askNonce);
        // The ask that was hot keeps its count in its own slot from now on.
        if (!hot && word.hasHotAsk()) _askFills[provider][word.hotAskNonce()] = word.hotAskFills();
        // Cannot truncate: fills < volume <= type(uint32).max.
        unchecked {
            _providerWords[provider] = word.withMatchedAsk(askNonce, uint32(fills + 1));
        }
    }

    /// @dev Reverts unless `provider` signed the ask (in the bid's token); returns where the next ask starts.
    function _requireAskSignature(uint256 bid, uint256 ask, address provider)
        private
        view
        returns (uint256 next)
    {
        bytes32 digest = _hashTypedDataV4(OrderCalldataLib.askStructHash(ask, OrderCalldataLib.token(bid)));
        (uint256 offset, uint256 length, uint256 end) =
            OrderCalldataLib.signature(ask + OrderCalldataLib.ASK_HEAD_LENGTH);
        _requireSignature(provider, digest, _slice(offset, length));
        return end;
    }

    function _slice(uint256 offset, uint256 length) private pure returns (bytes calldata slice) {
        assembly ("memory-safe") {
            slice.offset := offset
            slice.length := length
        }
    }

    /// @dev Pays the agreeing providers, counts the task settled for each of its providers (so stake that backed it
    /// may leave), takes fees, refunds the client, moves the lane's head to the settlement (which is the client's
    /// review right when finalized), and slashes.
    function _settle(
        bytes32 taskId,
        bytes calldata record,
        uint256 lane,
        TaskStatus status,
        uint256 paidMask,
        uint256 slashedMask,
        uint64 fuelUsed,
        bytes32 resultHash
    ) private {
        (uint256 payment, uint256 charged) = _charge(record, paidMask, fuelUsed);
        _lanes[record.client()][TaskStateLib.laneOf(record.nonce())] = TaskStateLib.packLane(
            status,
            lane.seq(),
            lane.floor(),
            TaskStateLib.settlementHead(lane.head(), status, paidMask, charged)
        );
        _payProviders(record, paidMask, payment);
        emit TaskSettled(
            taskId, resultHash, TaskStateLib.packSettlement(status, fuelUsed, paidMask, slashedMask, charged)
        );
        if (slashedMask != 0) _slash(taskId, _select(record, slashedMask));
    }

    /// @dev Reverts unless the verdict pays and slashes only the record's providers, nobody both, and a finalized
    /// task's fuel is within its limit (so the charge stays within the lock); returns whether it finalizes the task.
    function _isFinalizedVerdict(bytes32 taskId, bytes calldata record, Verdict calldata verdict)
        private
        pure
        returns (bool finalized)
    {
        uint256 paidMask = verdict.paidMask;
        uint256 slashedMask = verdict.slashedMask;
        finalized = verdict.status == TaskStatus.Finalized;
        if (
            (paidMask | slashedMask) >> record.providerCount() != 0 || paidMask & slashedMask != 0
                || (finalized
                        ? paidMask == 0 || verdict.fuelUsed > record.maxFuel()
                        : verdict.status != TaskStatus.Failed || paidMask != 0)
        ) {
            revert ComputeVerdictInvalid(taskId);
        }
    }

    /// @dev Fails a task whose seats were never drawn: the client gets its whole lock back and nobody is slashed.
    function _settleUnseated(bytes32 taskId, bytes calldata record, uint256 lane) private {
        uint256 locked = lockAmount(
            record.pricePerFuel(),
            record.maxFuel(),
            record.pendingReplicas(),
            record.protocolFeeBps(),
            record.matcherFeeBps()
        );
        _release(record.token(), record.client(), locked, locked);
        _lanes[record.client()][TaskStateLib.laneOf(record.nonce())] = TaskStateLib.packLane(
            TaskStatus.Failed,
            lane.seq(),
            lane.floor(),
            TaskStateLib.settlementHead(lane.head(), TaskStatus.Failed, 0, 0)
        );
        emit TaskSettled(taskId, bytes32(0), TaskStateLib.packSettlement(TaskStatus.Failed, 0, 0, 0, 0));
    }

    /// @dev Draws a pending task's seats, seeded by the hash of the block it was matched in. That hash is zero in the
    /// match's own block and 256 blocks on: the seed is one nobody knew when the match was sent.
    function _drawSeats(bytes calldata record, bytes32 taskId)
        private
        view
        returns (address[] memory providers, uint256 price)
    {
        // The match time, on which the draw must not depend on when `seat` is called (the window's bound is far
        // below any deadline).
        uint64 matchedAt;
        unchecked {
            matchedAt = record.commitDeadline() - _params.commitWindow;
        }
        (providers, price) = pool.draw(
            IReplicaPool.DrawRequest({
                token: record.token(),
                taskId: taskId,
                size: record.poolSize(),
                drawBlock: record.drawBlock(),
                matchedAt: matchedAt,
                replicas: record.pendingReplicas(),
                maxPricePerFuel: record.pricePerFuel(),
                minStake: _params.minStake
            })
        );
    }

    /// @dev A seated task pays its seats the highest of their floors (never above the bid's price, which the draw
    /// enforced): the lock taken at the bid's price shrinks to that price, and the client gets the difference now.
    function _releaseAbovePrice(bytes calldata record, uint256 price) private {
        uint256 bidPrice = record.pricePerFuel();
        if (price == bidPrice) return;
        uint64 maxFuel = record.maxFuel();
        uint256 replicas = record.pendingReplicas();
        uint256 protocolFeeBps = record.protocolFeeBps();
        uint256 matcherFeeBps = record.matcherFeeBps();
        uint256 excess = lockAmount(bidPrice, maxFuel, replicas, protocolFeeBps, matcherFeeBps)
            - lockAmount(price, maxFuel, replicas, protocolFeeBps, matcherFeeBps);
        _release(record.token(), record.client(), excess, excess);
    }

    /// @dev Pays `payment` to each provider in `paidMask` and counts the task settled for every provider.
    function _payProviders(bytes calldata record, uint256 paidMask, uint256 payment) private {
        address token = record.token();
        uint256 replicas = record.providerCount();
        for (uint256 i = 0; i < replicas; ++i) {
            _creditSettled(token, record.provider(i), (paidMask >> i) & 1 == 0 ? 0 : payment);
        }
    }

    /// @dev Asks the registry to slash. Settlement has already paid and refunded, and must not depend on a call the
    /// registry's owner can make fail: the registry shields the slash from its mirrors, so its owner's one way to
    /// refuse it is revoking this market's slasher role, which is reported and leaves the task settled. Any other
    /// failure can only be gas the caller held back (nested calls hand some of it back, so the gas left over cannot
    /// tell), and the whole settlement reverts.
    function _slash(bytes32 taskId, address[] memory providers) private {
        try registry.slash(taskId, providers) {}
        catch (bytes memory reason) {
            if (bytes4(reason) != IProviderRegistry.RegistryUnauthorizedSlasher.selector) {
                revert ComputeSlashOutOfGas(taskId);
            }
            emit SlashRefused(taskId, providers);
        }
    }

    /// @dev Releases the task's lock: fees to the pot, the unspent rest back to the client. Returns what each
    /// paid provider earns and what the client was charged in all.
    function _charge(bytes calldata record, uint256 paidMask, uint64 fuelUsed)
        private
        returns (uint256 payment, uint256 charged)
    {
        payment = uint256(fuelUsed) * record.pricePerFuel();
        uint256 cost = payment * _popCount(paidMask);
        uint256 protocolFee = cost * record.protocolFeeBps() / BPS;
        uint256 matcherFee = cost * record.matcherFeeBps() / BPS;
        charged = cost + protocolFee + matcherFee;
        uint256 locked = lockAmount(
            record.pricePerFuel(),
            record.maxFuel(),
            record.providerCount(),
            record.protocolFeeBps(),
            record.matcherFeeBps()
        );
        // Cannot underflow: fuelUsed <= maxFuel and the paid count <= replicas, so each term is at most its
        // counterpart in `locked` (fees round down on a smaller base).
        unchecked {
            _release(record.token(), record.client(), locked, locked - charged);
        }
        if (charged != cost) _accrueFees(record.matcher(), record.token(), matcherFee, protocolFee);
    }

    /// @dev Accepts an ECDSA signature by `signer`, or an ERC-1271 approval when `signer` is a contract. The same
    /// rule as `SignatureLib.isValidNow`, written out here because the call through the library costs 74 gas more
    /// per order on this path (measured with the lifecycle gas snapshots). Recovery comes first: `SignatureChecker`
    /// would read the signer's code size first, a cold account access (2,600 gas) per order that a plain wallet
    /// never needs.
    function _requireSignature(address signer, bytes32 digest, bytes calldata signature) private view {
        (address recovered, ECDSA.RecoverError error,) = ECDSA.tryRecoverCalldata(digest, signature);
        if (error == ECDSA.RecoverError.NoError && recovered == signer) return;
        if (!SignatureChecker.isValidERC1271SignatureNow(signer, digest, signature)) {
            revert ComputeInvalidSignature(signer);
        }
    }

    /// @dev Reverts unless `record` is the record of an open task; returns its id and its lane word.
    function _requireOpen(bytes calldata record) private view returns (bytes32 taskId, uint256 lane) {
        // Reading the key fields before the hash check is safe: a wrong record fails that check below.
        address client = record.client();
        uint64 nonce = record.nonce();
        taskId = taskIdOf(client, nonce);
        lane = _lanes[client][TaskStateLib.laneOf(nonce)];
        TaskStatus status = _statusOf(lane, TaskStateLib.seqOf(nonce));
        if (status == TaskStatus.None) revert ComputeUnknownTask(taskId);
        if (status != TaskStatus.Matched) revert ComputeTaskNotOpen(taskId, status);
        if (lane.head() != record.hashCalldata()) revert ComputeRecordMismatch(taskId);
    }

    function _verifierOf(uint8 mode) private view returns (address) {
        return mode == uint8(VerificationMode.Replicated) ? _replicatedVerifier : _verifiers[mode];
    }

    function _statusOf(uint256 lane, uint256 seq) private pure returns (TaskStatus) {
        if (lane.status() != TaskStatus.None && lane.seq() == seq) return lane.status();
        if (seq < lane.floor()) return TaskStatus.Retired;
        return TaskStatus.None;
    }

    function _select(bytes calldata record, uint256 mask) private pure returns (address[] memory selected) {
        selected = new address[](_popCount(mask));
        uint256 count;
        for (; mask != 0; mask &= mask - 1) {
            selected[count++] = record.provider(_lowestBit(mask));
        }
    }

    function _popCount(uint256 mask) private pure returns (uint256 count) {
        for (; mask != 0; mask &= mask - 1) {
            ++count;
        }
    }

    /// @dev The index of the lowest set bit of a non-zero mask below 2^MAX_REPLICAS.
    function _lowestBit(uint256 mask) private pure returns (uint256 index) {
        while (mask & (1 << index) == 0) {
            ++index;
        }
    }

    function _setParams(MarketParams memory params_) private {
        _requireWithin("protocolFeeBps", params_.protocolFeeBps, 0, MAX_PROTOCOL_FEE_BPS);
        _requireWithin("matcherFeeBps", params_.matcherFeeBps, 0, MAX_MATCHER_FEE_BPS);
        _requireWithin("commitWindow", params_.commitWindow, MIN_WINDOW, MAX_COMMIT_WINDOW);
        _requireWithin("revealWindow", params_.revealWindow, MIN_WINDOW, MAX_REVEAL_WINDOW);
        _requireWithin("minStake", params_.minStake, 1, MAX_MIN_STAKE);
        _params = params_;
        emit MarketParamsUpdated(params_);
    }

    function _requireWithin(bytes32 name, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert ComputeParamOutOfBounds(name, value, min, max);
    }
}
