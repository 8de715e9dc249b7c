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
import {TaskStateLib} from "./libraries/TaskStateLib.sol";
import {Ask, Bid, Task, TaskStatus, VerificationMode} from "./types/Orders.sol";

/// @title ComputeMarket
/// @notice Matches signed bids and asks, escrows payment, and settles replicated results.
/// @dev Gas design: a task keeps one storage word (its record hash, status and counters) and each replica one
/// word while it commits and reveals; the full record travels in calldata. Escrow lives in this contract.
contract ComputeMarket is IComputeMarket, Escrow, EIP712 {
    using TaskStateLib for uint256;

    uint256 public constant MAX_REPLICAS = 16;
    uint16 public constant MAX_PROTOCOL_FEE_BPS = 1000;
    uint16 public constant MAX_MATCHER_FEE_BPS = 1000;
    uint32 public constant MIN_WINDOW = 1 minutes;
    /// @notice Commit plus reveal windows stay below the registry's minimum unbonding period, so a provider
    /// can never withdraw stake before a task it joined has settled.
    uint32 public constant MAX_COMMIT_WINDOW = 1 days;
    uint32 public constant MAX_REVEAL_WINDOW = 1 days;
    uint256 private constant BPS = 10_000;

    IProviderRegistry public immutable registry;
    address public reviewModule;
    MarketParams internal _params;

    mapping(bytes32 taskId => uint256) internal _tasks;
    mapping(bytes32 taskId => mapping(uint256 index => uint256)) internal _replicas;
    mapping(address provider => mapping(uint64 nonce => uint256)) internal _askFills;

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
    function submitResult(bytes32 taskId, Task calldata task, bytes32 resultHash, uint64 fuelUsed) external {
        uint256 word = _requireOpen(taskId, task);
        if (task.providers.length != 1) revert ComputeWrongReplicaCount(task.providers.length);
        if (msg.sender != task.providers[0]) revert ComputeNotAssigned(msg.sender, 0);
        if (block.timestamp > task.commitDeadline) revert ComputeCommitClosed(task.commitDeadline);
        if (fuelUsed > task.maxFuel) revert ComputeFuelAboveLimit(fuelUsed, task.maxFuel);
        _settle(taskId, task, word, TaskStatus.Finalized, 1, 0, fuelUsed, resultHash);
    }

    /// @inheritdoc IComputeMarket
    function commit(bytes32 taskId, Task calldata task, uint256 index, bytes32 commitment) external {
        uint256 word = _requireOpen(taskId, task);
        _requireReplicaProvider(task, index);
        if (block.timestamp > task.commitDeadline) revert ComputeCommitClosed(task.commitDeadline);
        if (_replicas[taskId][index] != 0) revert ComputeAlreadyCommitted(msg.sender);

        _replicas[taskId][index] = TaskStateLib.committedWord(commitment);
        // Cannot carry into the reveal counter: at most MAX_REPLICAS commits, one per provider.
        _tasks[taskId] = word + (1 << 8);
        emit ResultCommitted(taskId, msg.sender, commitment);
    }

    /// @inheritdoc IComputeMarket
    function reveal(
        bytes32 taskId,
        Task calldata task,
        uint256 index,
        bytes32 resultHash,
        uint64 fuelUsed,
        bytes32 salt
    ) external {
        uint256 word = _requireOpen(taskId, task);
        uint256 replicas = _requireReplicaProvider(task, index);
        uint256 commits = word.commits();
        bool commitClosed = block.timestamp > task.commitDeadline;
        if (commits < replicas && !commitClosed) revert ComputeRevealNotOpen();
        if (block.timestamp > task.revealDeadline) revert ComputeRevealClosed(task.revealDeadline);
        if (fuelUsed > task.maxFuel) revert ComputeFuelAboveLimit(fuelUsed, task.maxFuel);

        uint256 replica = _replicas[taskId][index];
        if (replica.replicaState() != TaskStateLib.REPLICA_COMMITTED) revert ComputeNotCommitted(msg.sender);
        bytes32 commitment = keccak256(abi.encode(taskId, msg.sender, resultHash, fuelUsed, salt));
        if (TaskStateLib.committedWord(commitment) != replica) revert ComputeCommitmentMismatch(msg.sender);

        _replicas[taskId][index] = TaskStateLib.revealedWord(resultHash, fuelUsed);
        // Cannot carry: at most one reveal per commit.
        word += 1 << 16;
        emit ResultRevealed(taskId, msg.sender, resultHash, fuelUsed);

        // The reveal that completes the set settles the task, unless this revealer dissents from a quorum
        // whose full result hash it cannot know; then `finalize` settles it, callable at once.
        if (word.reveals() == commits && (commits == replicas || commitClosed)) {
            if (_settleReplicated(taskId, task, word, resultHash)) return;
        }
        _tasks[taskId] = word;
    }

    /// @inheritdoc IComputeMarket
    function finalize(bytes32 taskId, Task calldata task, bytes32 resultHash) external {
        uint256 word = _requireOpen(taskId, task);
        uint256 replicas = task.providers.length;
        bool commitClosed = block.timestamp > task.commitDeadline;
        if (replicas == 1) {
            if (!commitClosed) revert ComputeTooEarly(taskId);
            _settle(taskId, task, word, TaskStatus.Failed, 0, 1, 0, bytes32(0));
            return;
        }
        uint256 commits = word.commits();
        bool settled = word.reveals() == commits && (commits == replicas || commitClosed);
        bool quorumImpossible = commitClosed && commits < task.quorum;
        if (!settled && !quorumImpossible && block.timestamp <= task.revealDeadline) {
            revert ComputeTooEarly(taskId);
        }
        if (!_settleReplicated(taskId, task, word, resultHash)) revert ComputeResultHashMismatch(taskId);
    }

    /// @inheritdoc IComputeMarket
    function cancelBid(uint64 nonce) external {
        bytes32 taskId = taskIdOf(msg.sender, nonce);
        if (_tasks[taskId] != 0) revert ComputeNonceUsed(msg.sender, nonce);
        _tasks[taskId] = TaskStateLib.pack(TaskStatus.Cancelled, 0, 0, false, bytes24(0));
        emit BidCancelled(msg.sender, nonce, taskId);
    }

    /// @inheritdoc IComputeMarket
    function cancelAsk(uint64 nonce) external {
        _askFills[msg.sender][nonce] = type(uint256).max;
        emit AskCancelled(msg.sender, nonce);
    }

    /// @inheritdoc IComputeMarket
    function consumeReviewRight(bytes32 taskId, Task calldata task, uint256 paidMask, uint256 paid)
        external
        returns (address client)
    {
        if (msg.sender != reviewModule) revert ComputeUnauthorizedReviewModule(msg.sender);
        uint256 word = _tasks[taskId];
        if (
            word.status() != TaskStatus.Finalized || word.reviewed()
                || word.recordHash()
                    != OrderHashLib.hashSettlement(OrderHashLib.hashTask(task), paidMask, paid)
        ) revert ComputeNotReviewable(taskId);
        _tasks[taskId] = word | (1 << 24);
        emit ReviewRightConsumed(taskId, task.client);
        return task.client;
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
    function taskState(bytes32 taskId) external view returns (TaskState memory) {
        uint256 word = _tasks[taskId];
        return TaskState({
            status: word.status(),
            commits: uint8(word.commits()),
            reveals: uint8(word.reveals()),
            reviewed: word.reviewed(),
            recordHash: word.recordHash()
        });
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
        uint16 protocolFeeBps,
        uint16 matcherFeeBps
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
        if (bid.maxFuel == 0 || bid.appCid.length == 0 || bid.inputCid.length == 0) {
            revert ComputeInvalidBid();
        }
        if (asks.length != replicas || askSignatures.length != replicas) {
            revert ComputeAskCountMismatch(asks.length, bid.replicas);
        }
        taskId = taskIdOf(bid.client, bid.nonce);
        if (_tasks[taskId] != 0) revert ComputeNonceUsed(bid.client, bid.nonce);

        address[] memory providers = new address[](replicas);
        uint256 price = _takeAsks(bid, asks, askSignatures, providers);
        registry.requireEligible(providers);
        _openTask(taskId, bid, providers, price, matcher);
    }

    /// @dev Locks the client's escrow and stores and announces the task record.
    function _openTask(
        bytes32 taskId,
        Bid calldata bid,
        address[] memory providers,
        uint256 price,
        address matcher
    ) private {
        MarketParams memory params_ = _params;
        uint64 commitDeadline = uint64(block.timestamp) + params_.commitWindow;
        Task memory task = Task({
            client: bid.client,
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
            providers: providers
        });
        _lock(
            task.token,
            task.client,
            lockAmount(price, task.maxFuel, providers.length, task.protocolFeeBps, task.matcherFeeBps)
        );
        _tasks[taskId] =
            TaskStateLib.pack(TaskStatus.Matched, 0, 0, false, OrderHashLib.hashTaskInMemory(task));
        emit TaskMatched(taskId, task.client, matcher, task, bid.appCid, bid.inputCid, bid.encryptionKey);
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
    function _settleReplicated(bytes32 taskId, Task calldata task, uint256 word, bytes32 resultHash)
        private
        returns (bool)
    {
        uint256 replicas = task.providers.length;
        uint256[] memory words = new uint256[](replicas);
        for (uint256 i = 0; i < replicas; ++i) {
            words[i] = _replicas[taskId][i];
        }
        // A quorum is more than half of the replicas, so at most one result can reach it.
        uint256 winner;
        for (uint256 i = 0; i < replicas && winner == 0; ++i) {
            uint256 candidate = words[i];
            if (candidate.replicaState() != TaskStateLib.REPLICA_REVEALED) continue;
            uint256 votes;
            for (uint256 j = 0; j < replicas; ++j) {
                if (words[j] == candidate) ++votes;
            }
            if (votes >= task.quorum) winner = candidate;
        }
        if (winner != 0 && !winner.matchesResult(resultHash)) return false;

        uint256 paidMask;
        uint256 slashedMask;
        for (uint256 i = 0; i < replicas; ++i) {
            uint256 replica = words[i];
            if (replica != 0) delete _replicas[taskId][i];
            if (winner == 0 ? replica.replicaState() != TaskStateLib.REPLICA_REVEALED : replica != winner) {
                slashedMask |= 1 << i;
            } else if (winner != 0) {
                paidMask |= 1 << i;
            }
        }
        if (winner == 0) {
            _settle(taskId, task, word, TaskStatus.Failed, 0, slashedMask, 0, bytes32(0));
        } else {
            _settle(
                taskId,
                task,
                word,
                TaskStatus.Finalized,
                paidMask,
                slashedMask,
                winner.revealedFuel(),
                resultHash
            );
        }
        return true;
    }

    /// @dev Pays the agreeing providers, takes fees, refunds the client, records the review right, and slashes.
    function _settle(
        bytes32 taskId,
        Task calldata task,
        uint256 word,
        TaskStatus status,
        uint256 paidMask,
        uint256 slashedMask,
        uint64 fuelUsed,
        bytes32 resultHash
    ) private {
        (uint256 payment, uint256 charged, uint256 refund) = _charge(task, paidMask, fuelUsed);
        bytes24 recordHash = status == TaskStatus.Finalized
            ? OrderHashLib.hashSettlement(word.recordHash(), paidMask, charged)
            : bytes24(0);
        _tasks[taskId] = TaskStateLib.pack(status, 0, 0, false, recordHash);
        if (payment != 0) {
            for (uint256 i = 0; i < task.providers.length; ++i) {
                if (paidMask & (1 << i) != 0) _credit(task.token, task.providers[i], payment);
            }
        }
        emit TaskSettled(taskId, status, resultHash, fuelUsed, paidMask, slashedMask, refund);
        if (slashedMask != 0) registry.slash(taskId, _select(task.providers, slashedMask));
    }

    /// @dev Releases the task's lock: fees to the pot, the unspent rest back to the client. Returns what each
    /// paid provider earns, what the client was charged in all, and its refund.
    function _charge(Task calldata task, uint256 paidMask, uint64 fuelUsed)
        private
        returns (uint256 payment, uint256 charged, uint256 refund)
    {
        uint256 paidCount;
        for (uint256 mask = paidMask; mask != 0; mask &= mask - 1) {
            ++paidCount;
        }
        uint256 locked = lockAmount(
            task.pricePerFuel, task.maxFuel, task.providers.length, task.protocolFeeBps, task.matcherFeeBps
        );
        payment = uint256(fuelUsed) * task.pricePerFuel;
        uint256 cost = payment * paidCount;
        uint256 protocolFee = cost * task.protocolFeeBps / BPS;
        uint256 matcherFee = cost * task.matcherFeeBps / BPS;
        charged = cost + protocolFee + matcherFee;
        // Cannot underflow: fuelUsed <= maxFuel and paidCount <= replicas, so each term is at most its
        // counterpart in `locked` (fees round down on a smaller base).
        unchecked {
            refund = locked - charged;
        }
        _release(task.token, task.client, locked, refund);
        if (charged != cost) _accrueFees(task.matcher, task.token, matcherFee, protocolFee);
    }

    /// @dev Accepts an ECDSA signature by `signer`, or an ERC-1271 approval when `signer` is a contract.
    /// Recovery comes first: `SignatureChecker` would read the signer's code size first, a cold account access
    /// (2,600 gas) per order that a plain wallet never needs.
    function _requireSignature(address signer, bytes32 digest, bytes calldata signature) private view {
        (address recovered, ECDSA.RecoverError error,) = ECDSA.tryRecoverCalldata(digest, signature);
        if (error == ECDSA.RecoverError.NoError && recovered == signer) return;
        if (!SignatureChecker.isValidERC1271SignatureNow(signer, digest, signature)) {
            revert ComputeInvalidSignature(signer);
        }
    }

    /// @dev Reverts unless `task` is the record of the open task `taskId`; returns the task word.
    function _requireOpen(bytes32 taskId, Task calldata task) private view returns (uint256 word) {
        word = _tasks[taskId];
        if (word == 0) revert ComputeUnknownTask(taskId);
        if (word.status() != TaskStatus.Matched) revert ComputeTaskNotOpen(taskId, word.status());
        if (word.recordHash() != OrderHashLib.hashTask(task)) revert ComputeRecordMismatch(taskId);
    }

    /// @dev Reverts unless the caller is replica `index` of a multi-replica task; returns the replica count.
    function _requireReplicaProvider(Task calldata task, uint256 index)
        private
        view
        returns (uint256 replicas)
    {
        replicas = task.providers.length;
        if (replicas == 1) revert ComputeWrongReplicaCount(1);
        if (index >= replicas || task.providers[index] != msg.sender) {
            revert ComputeNotAssigned(msg.sender, index);
        }
    }

    function _select(address[] calldata providers, uint256 mask)
        private
        pure
        returns (address[] memory selected)
    {
        uint256 count;
        for (uint256 i = 0; i < providers.length; ++i) {
            if (mask & (1 << i) != 0) ++count;
        }
        selected = new address[](count);
        count = 0;
        for (uint256 i = 0; i < providers.length; ++i) {
            if (mask & (1 << i) != 0) selected[count++] = providers[i];
        }
    }

    function _setParams(MarketParams memory params_) private {
        _requireWithin("protocolFeeBps", params_.protocolFeeBps, 0, MAX_PROTOCOL_FEE_BPS);
        _requireWithin("matcherFeeBps", params_.matcherFeeBps, 0, MAX_MATCHER_FEE_BPS);
        _requireWithin("commitWindow", params_.commitWindow, MIN_WINDOW, MAX_COMMIT_WINDOW);
        _requireWithin("revealWindow", params_.revealWindow, MIN_WINDOW, MAX_REVEAL_WINDOW);
        _params = params_;
        emit MarketParamsUpdated(params_);
    }

    function _requireWithin(bytes32 name, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert ComputeParamOutOfBounds(name, value, min, max);
    }
}
