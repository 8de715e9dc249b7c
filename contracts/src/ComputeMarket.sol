// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {Escrow} from "./Escrow.sol";
import {IComputeMarket} from "./interfaces/IComputeMarket.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";
import {OrderHashLib} from "./libraries/OrderHashLib.sol";
import {TaskRecordLib} from "./libraries/TaskRecordLib.sol";
import {TaskStateLib} from "./libraries/TaskStateLib.sol";
import {Ask, Bid, Task, TaskStatus, VerificationMode} from "./types/Orders.sol";

/// @title ComputeMarket
/// @notice Matches signed bids and asks, escrows payment, and settles replicated results.
/// @dev Gas design: a task's terms travel as a packed record in calldata and only its hash is stored, in the
/// word of the client's lane; lane words and replica words are reused by every task in the lane, so a task in
/// steady state rewrites warm-zero-free slots (5,000 gas) instead of filling fresh ones (22,100). Escrow lives in
/// this contract. See `TaskStateLib` and `TaskRecordLib`.
contract ComputeMarket is IComputeMarket, Escrow, EIP712 {
    using TaskStateLib for uint256;
    using TaskRecordLib for bytes;

    uint256 public constant MAX_REPLICAS = 16;
    uint16 public constant MAX_PROTOCOL_FEE_BPS = 1000;
    uint16 public constant MAX_MATCHER_FEE_BPS = 1000;
    uint32 public constant MIN_WINDOW = 1 minutes;
    /// @notice Commit plus reveal windows stay below the registry's minimum unbonding period, so a provider
    /// can never withdraw stake before a task it joined has settled.
    uint32 public constant MAX_COMMIT_WINDOW = 1 days;
    uint32 public constant MAX_REVEAL_WINDOW = 1 days;
    uint96 public constant MAX_MIN_STAKE = 1e9 ether;
    uint256 private constant BPS = 10_000;

    IProviderRegistry public immutable registry;
    address public reviewModule;
    MarketParams internal _params;

    mapping(address client => mapping(uint32 lane => uint256)) internal _lanes;
    mapping(address client => mapping(uint32 lane => mapping(uint256 index => uint256))) internal _replicas;
    mapping(address provider => mapping(uint64 nonce => uint256)) internal _askFills;
    mapping(bytes32 taskId => bool) internal _reviewRightsConsumed;

    constructor(IProviderRegistry registry_, address owner_, address treasury_, MarketParams memory params_)
        Ownable(owner_)
        Escrow(treasury_)
        EIP712("Agora Compute", "1")
    {
        registry = registry_;
        _setParams(params_);
    }

    /// @inheritdoc IComputeMarket
    function matchOrders(
        Bid calldata bid,
        bytes calldata bidSignature,
        Ask[] calldata asks,
        bytes[] calldata askSignatures
    ) external returns (bytes32 taskId) {
        bytes32 digest = _hashTypedDataV4(OrderHashLib.hashBid(bid));
        _requireSignature(bid.client, digest, bidSignature);
        return _match(bid, asks, askSignatures, msg.sender);
    }

    /// @inheritdoc IComputeMarket
    function fill(Bid calldata bid, Ask[] calldata asks, bytes[] calldata askSignatures)
        external
        returns (bytes32 taskId)
    {
        if (msg.sender != bid.client) revert ComputeNotClient(msg.sender, bid.client);
        return _match(bid, asks, askSignatures, address(0));
    }

    /// @inheritdoc IComputeMarket
    function submitResult(bytes calldata record, bytes32 resultHash, uint64 fuelUsed) external {
        (bytes32 taskId, uint256 lane) = _requireOpen(record);
        uint256 replicas = record.providerCount();
        if (replicas != 1) revert ComputeWrongReplicaCount(replicas);
        if (msg.sender != record.provider(0)) revert ComputeNotAssigned(msg.sender, 0);
        uint64 commitDeadline = record.commitDeadline();
        if (block.timestamp > commitDeadline) revert ComputeCommitClosed(commitDeadline);
        uint64 maxFuel = record.maxFuel();
        if (fuelUsed > maxFuel) revert ComputeFuelAboveLimit(fuelUsed, maxFuel);
        _settle(taskId, record, lane, TaskStatus.Finalized, 1, 0, fuelUsed, resultHash);
    }

    /// @inheritdoc IComputeMarket
    function commit(bytes calldata record, uint256 index, bytes32 commitment) external {
        (bytes32 taskId, uint256 lane) = _requireOpen(record);
        _requireReplicaProvider(record, index);
        uint64 commitDeadline = record.commitDeadline();
        if (block.timestamp > commitDeadline) revert ComputeCommitClosed(commitDeadline);
        mapping(uint256 => uint256) storage words = _replicaWords(record);
        uint256 seq = lane.seq();
        if (words[index].replicaState(seq) != TaskStateLib.REPLICA_EMPTY) {
            revert ComputeAlreadyCommitted(msg.sender);
        }
        words[index] = TaskStateLib.committedWord(seq, commitment);
        emit ResultCommitted(taskId, msg.sender, commitment);
    }

    /// @inheritdoc IComputeMarket
    function reveal(bytes calldata record, uint256 index, bytes32 resultHash, uint64 fuelUsed, bytes32 salt)
        external
    {
        (bytes32 taskId, uint256 lane) = _requireOpen(record);
        _requireRevealable(record, fuelUsed);
        uint256 revealed = TaskStateLib.revealedWord(lane.seq(), resultHash, fuelUsed);
        (mapping(uint256 => uint256) storage slots, uint256[] memory words, bool complete) = _checkReveal(
            record,
            lane,
            index,
            keccak256(abi.encode(taskId, msg.sender, resultHash, fuelUsed, salt)),
            revealed
        );
        emit ResultRevealed(taskId, msg.sender, resultHash, fuelUsed);
        // The reveal that completes the set settles the task, unless this revealer dissents from a quorum
        // whose full result hash it cannot know; then `finalize` settles it, callable at once. A settled task's
        // replica words are never read again, so the settling reveal need not be stored.
        if (!complete || !_settleReplicated(taskId, record, lane, words, resultHash)) {
            slots[index] = revealed;
        }
    }

    /// @inheritdoc IComputeMarket
    function finalize(bytes calldata record, bytes32 resultHash) external {
        (bytes32 taskId, uint256 lane) = _requireOpen(record);
        uint256 replicas = record.providerCount();
        bool commitClosed = block.timestamp > record.commitDeadline();
        if (replicas == 1) {
            if (!commitClosed) revert ComputeTooEarly(taskId);
            _settle(taskId, record, lane, TaskStatus.Failed, 0, 1, 0, bytes32(0));
            return;
        }
        uint256[] memory words = _loadReplicas(_replicaWords(record), replicas);
        (uint256 commits, uint256 reveals) = _count(words, lane.seq());
        bool complete = reveals == commits && (commits == replicas || commitClosed);
        bool quorumImpossible = commitClosed && commits < record.quorum();
        if (!complete && !quorumImpossible && block.timestamp <= record.revealDeadline()) {
            revert ComputeTooEarly(taskId);
        }
        if (!_settleReplicated(taskId, record, lane, words, resultHash)) {
            revert ComputeResultHashMismatch(taskId);
        }
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
        emit AskCancelled(msg.sender, nonce);
    }

    /// @inheritdoc IComputeMarket
    function consumeReviewRight(
        bytes calldata record,
        uint256 paidMask,
        uint256 charged,
        LaterTask[] calldata later
    ) external returns (address client) {
        if (msg.sender != reviewModule) revert ComputeUnauthorizedReviewModule(msg.sender);
        client = record.client();
        uint64 nonce = record.nonce();
        bytes32 taskId = taskIdOf(client, nonce);
        // Follow the lane's hash chain from this task's settlement to the lane's current head.
        bytes23 head =
            TaskStateLib.settlementHead(record.hashCalldata(), TaskStatus.Finalized, paidMask, charged);
        for (uint256 i = 0; i < later.length; ++i) {
            LaterTask calldata next = later[i];
            if (next.record.length < TaskRecordLib.HEAD_LENGTH || next.record.previous() != head) {
                revert ComputeNotReviewable(taskId);
            }
            head = next.record.hashCalldata();
            if (next.status != TaskStatus.Matched) {
                head = TaskStateLib.settlementHead(head, next.status, next.paidMask, next.charged);
            }
        }
        if (_lanes[client][TaskStateLib.laneOf(nonce)].head() != head) revert ComputeNotReviewable(taskId);
        if (_reviewRightsConsumed[taskId]) revert ComputeAlreadyReviewed(taskId);
        _reviewRightsConsumed[taskId] = true;
        emit ReviewRightConsumed(taskId, client);
    }

    /// @notice Sets the market parameters, each within its hard bounds.
    function setParams(MarketParams calldata params_) external onlyOwner {
        _setParams(params_);
    }

    /// @notice Sets the contract allowed to spend review rights (the review module, when it exists).
    function setReviewModule(address module) external onlyOwner {
        reviewModule = module;
        emit ReviewModuleUpdated(module);
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
    function replicaWord(address client, uint32 lane, uint256 index) external view returns (uint256) {
        return _replicas[client][lane][index];
    }

    /// @inheritdoc IComputeMarket
    function isReviewRightConsumed(bytes32 taskId) external view returns (bool) {
        return _reviewRightsConsumed[taskId];
    }

    /// @inheritdoc IComputeMarket
    function askFills(address provider, uint64 nonce) external view returns (uint256) {
        return _askFills[provider][nonce];
    }

    /// @inheritdoc IComputeMarket
    function hashBid(Bid calldata bid) external view returns (bytes32) {
        return _hashTypedDataV4(OrderHashLib.hashBid(bid));
    }

    /// @inheritdoc IComputeMarket
    function hashAsk(Ask calldata ask) external view returns (bytes32) {
        return _hashTypedDataV4(OrderHashLib.hashAsk(ask));
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

    function _match(Bid calldata bid, Ask[] calldata asks, bytes[] calldata askSignatures, address matcher)
        private
        returns (bytes32 taskId)
    {
        if (block.timestamp > bid.deadline) revert ComputeBidExpired(bid.deadline);
        uint256 replicas = bid.replicas;
        if (
            replicas == 0 || replicas > MAX_REPLICAS || bid.quorum > replicas
                || uint256(bid.quorum) * 2 <= replicas
        ) {
            revert ComputeInvalidReplicas(bid.replicas, bid.quorum);
        }
        if (bid.mode != uint8(VerificationMode.Replicated)) revert ComputeModeUnsupported(bid.mode);
        if (
            bid.maxFuel == 0 || bid.appCid.length == 0 || bid.inputCid.length == 0
                || TaskStateLib.seqOf(bid.nonce) == type(uint32).max
        ) {
            revert ComputeInvalidBid();
        }
        if (asks.length != replicas || askSignatures.length != replicas) {
            revert ComputeAskCountMismatch(asks.length, bid.replicas);
        }
        uint256 lane = _lanes[bid.client][TaskStateLib.laneOf(bid.nonce)];
        if (TaskStateLib.seqOf(bid.nonce) < lane.floor()) revert ComputeNonceUsed(bid.client, bid.nonce);
        if (lane.status() == TaskStatus.Matched) {
            revert ComputeLaneBusy(bid.client, TaskStateLib.laneOf(bid.nonce));
        }

        address[] memory providers = new address[](replicas);
        uint256 price = _takeAsks(bid, asks, askSignatures, providers);
        MarketParams memory params_ = _params;
        registry.requireEligible(providers, params_.minStake);
        taskId = taskIdOf(bid.client, bid.nonce);
        _openTask(taskId, bid, lane.head(), providers, price, matcher, params_);
    }

    /// @dev Locks the client's escrow, stores the record's hash in the lane and announces the record.
    function _openTask(
        bytes32 taskId,
        Bid calldata bid,
        bytes23 previous,
        address[] memory providers,
        uint256 price,
        address matcher,
        MarketParams memory params_
    ) private {
        uint64 commitDeadline = uint64(block.timestamp) + params_.commitWindow;
        Task memory task = Task({
            client: bid.client,
            nonce: bid.nonce,
            token: bid.token,
            matcher: matcher,
            // Cannot truncate: `_takeAsks` bounds every price by type(uint128).max.
            pricePerFuel: uint128(price),
            maxFuel: bid.maxFuel,
            quorum: bid.quorum,
            protocolFeeBps: params_.protocolFeeBps,
            matcherFeeBps: matcher == address(0) ? 0 : params_.matcherFeeBps,
            commitDeadline: commitDeadline,
            revealDeadline: commitDeadline + params_.revealWindow,
            previous: previous,
            providers: providers
        });
        _lock(
            task.token,
            task.client,
            lockAmount(price, task.maxFuel, providers.length, task.protocolFeeBps, task.matcherFeeBps)
        );
        _announce(taskId, bid, TaskRecordLib.encode(task));
    }

    /// @dev Stores the record's hash as the lane's head and emits the record.
    function _announce(bytes32 taskId, Bid calldata bid, bytes memory record) private {
        uint256 seq = TaskStateLib.seqOf(bid.nonce);
        // The floor moves past this sequence: a bid's nonce is used once.
        _lanes[bid.client][TaskStateLib.laneOf(bid.nonce)] =
            TaskStateLib.packLane(TaskStatus.Matched, seq, seq + 1, TaskRecordLib.hash(record));
        emit TaskMatched(taskId, bid.client, record, bid.appCid, bid.inputCid, bid.encryptionKey);
    }

    /// @dev Checks each ask against the bid, counts its fill, and returns the task's price: the highest ask,
    /// so every replica is paid at least what it asked and the client at most what it bid.
    function _takeAsks(
        Bid calldata bid,
        Ask[] calldata asks,
        bytes[] calldata askSignatures,
        address[] memory providers
    ) private returns (uint256 price) {
        uint256 modeBit = 1 << bid.mode;
        uint256 maxPrice = bid.maxPricePerFuel;
        if (maxPrice > type(uint128).max) maxPrice = type(uint128).max;
        for (uint256 i = 0; i < asks.length; ++i) {
            Ask calldata ask = asks[i];
            address provider = ask.provider;
            if (block.timestamp > ask.expiry) revert ComputeAskExpired(provider, ask.expiry);
            if (ask.token != bid.token) revert ComputeTokenMismatch(provider, ask.token, bid.token);
            if (ask.pricePerFuel > maxPrice) {
                revert ComputePriceTooHigh(provider, ask.pricePerFuel, maxPrice);
            }
            if (ask.modes & modeBit == 0) revert ComputeModeNotAccepted(provider, bid.mode);
            for (uint256 j = 0; j < i; ++j) {
                if (providers[j] == provider) revert ComputeDuplicateProvider(provider);
            }
            bytes32 digest = _hashTypedDataV4(OrderHashLib.hashAsk(ask));
            _requireSignature(provider, digest, askSignatures[i]);
            uint256 fills = _askFills[provider][ask.nonce];
            if (fills >= ask.volume) revert ComputeAskExhausted(provider, ask.nonce);
            // Cannot overflow: fills < volume <= type(uint32).max.
            unchecked {
                _askFills[provider][ask.nonce] = fills + 1;
            }
            providers[i] = provider;
            if (ask.pricePerFuel > price) price = ask.pricePerFuel;
        }
    }

    /// @dev Settles a replicated task from its replica words. Returns false, changing nothing, when a quorum
    /// agrees on a result whose full hash is not `resultHash`.
    function _settleReplicated(
        bytes32 taskId,
        bytes calldata record,
        uint256 lane,
        uint256[] memory words,
        bytes32 resultHash
    ) private returns (bool) {
        uint256 seq = lane.seq();
        uint256 quorum = record.quorum();
        // A quorum is more than half of the replicas, so at most one result can reach it. Words carry the
        // sequence number, so equal words are revealed results of this task.
        uint256 winner;
        for (uint256 i = 0; i < words.length && winner == 0; ++i) {
            uint256 candidate = words[i];
            if (candidate.replicaState(seq) != TaskStateLib.REPLICA_REVEALED) continue;
            uint256 votes;
            for (uint256 j = 0; j < words.length; ++j) {
                if (words[j] == candidate) ++votes;
            }
            if (votes >= quorum) winner = candidate;
        }
        if (winner != 0 && !winner.matchesResult(resultHash)) return false;

        uint256 paidMask;
        uint256 slashedMask;
        for (uint256 i = 0; i < words.length; ++i) {
            bool agrees = winner == 0
                ? words[i].replicaState(seq) == TaskStateLib.REPLICA_REVEALED
                : words[i] == winner;
            if (!agrees) slashedMask |= 1 << i;
            else if (winner != 0) paidMask |= 1 << i;
        }
        if (winner == 0) {
            _settle(taskId, record, lane, TaskStatus.Failed, 0, slashedMask, 0, bytes32(0));
        } else {
            _settle(
                taskId,
                record,
                lane,
                TaskStatus.Finalized,
                paidMask,
                slashedMask,
                winner.revealedFuel(),
                resultHash
            );
        }
        return true;
    }

    /// @dev Pays the agreeing providers, takes fees, refunds the client, moves the lane's head to the settlement
    /// (which is the client's review right when finalized), and slashes.
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
        if (payment != 0) {
            address token = record.token();
            for (uint256 mask = paidMask; mask != 0; mask &= mask - 1) {
                _credit(token, record.provider(_lowestBit(mask)), payment);
            }
        }
        emit TaskSettled(taskId, status, resultHash, fuelUsed, paidMask, slashedMask, charged);
        if (slashedMask != 0) registry.slash(taskId, _select(record, slashedMask));
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

    /// @dev Reverts unless the caller is replica `index` of a multi-replica task; returns the replica count.
    function _requireReplicaProvider(bytes calldata record, uint256 index)
        private
        view
        returns (uint256 replicas)
    {
        replicas = record.providerCount();
        if (replicas == 1) revert ComputeWrongReplicaCount(1);
        if (index >= replicas || record.provider(index) != msg.sender) {
            revert ComputeNotAssigned(msg.sender, index);
        }
    }

    function _requireRevealable(bytes calldata record, uint64 fuelUsed) private view {
        uint64 revealDeadline = record.revealDeadline();
        if (block.timestamp > revealDeadline) revert ComputeRevealClosed(revealDeadline);
        uint64 maxFuel = record.maxFuel();
        if (fuelUsed > maxFuel) revert ComputeFuelAboveLimit(fuelUsed, maxFuel);
    }

    /// @dev Checks the caller's reveal against its commitment. Returns the task's replica slots, its replica words
    /// with this reveal in them, and whether it completes the set.
    function _checkReveal(
        bytes calldata record,
        uint256 lane,
        uint256 index,
        bytes32 commitment,
        uint256 revealed
    )
        private
        view
        returns (mapping(uint256 => uint256) storage slots, uint256[] memory words, bool complete)
    {
        uint256 replicas = _requireReplicaProvider(record, index);
        uint256 seq = lane.seq();
        slots = _replicaWords(record);
        words = _loadReplicas(slots, replicas);
        (uint256 commits, uint256 reveals) = _count(words, seq);
        bool commitClosed = block.timestamp > record.commitDeadline();
        if (commits < replicas && !commitClosed) revert ComputeRevealNotOpen();
        uint256 own = words[index];
        if (own.replicaState(seq) != TaskStateLib.REPLICA_COMMITTED) revert ComputeNotCommitted(msg.sender);
        if (TaskStateLib.committedWord(seq, commitment) != own) revert ComputeCommitmentMismatch(msg.sender);
        words[index] = revealed;
        complete = reveals + 1 == commits && (commits == replicas || commitClosed);
    }

    function _replicaWords(bytes calldata record) private view returns (mapping(uint256 => uint256) storage) {
        return _replicas[record.client()][TaskStateLib.laneOf(record.nonce())];
    }

    function _loadReplicas(mapping(uint256 => uint256) storage slots, uint256 replicas)
        private
        view
        returns (uint256[] memory words)
    {
        words = new uint256[](replicas);
        for (uint256 i = 0; i < replicas; ++i) {
            words[i] = slots[i];
        }
    }

    /// @dev How many replicas of the task with sequence `seq` have committed (or revealed), and revealed.
    function _count(uint256[] memory words, uint256 seq)
        private
        pure
        returns (uint256 commits, uint256 reveals)
    {
        for (uint256 i = 0; i < words.length; ++i) {
            uint256 state = words[i].replicaState(seq);
            if (state != TaskStateLib.REPLICA_EMPTY) ++commits;
            if (state == TaskStateLib.REPLICA_REVEALED) ++reveals;
        }
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
