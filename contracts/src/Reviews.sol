// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IComputeMarket} from "./interfaces/IComputeMarket.sol";
import {IReviews} from "./interfaces/IReviews.sol";
import {IStorageMarket} from "./interfaces/IStorageMarket.sol";
import {TaskRecordLib} from "./libraries/TaskRecordLib.sol";
import {TaskStateLib} from "./libraries/TaskStateLib.sol";
import {TaskStatus} from "./types/Orders.sol";
import {DealStatus} from "./types/StorageOrders.sol";

/// @title Reviews of providers by the clients who paid them (see `IReviews`).
contract Reviews is IReviews {
    using TaskRecordLib for bytes;

    /// @notice Longest CID accepted (a CIDv1 with a 512-bit digest is 68 bytes).
    uint256 public constant MAX_CID_LENGTH = 128;

    /// @inheritdoc IReviews
    IComputeMarket public immutable computeMarket;
    /// @inheritdoc IReviews
    IStorageMarket public immutable storageMarket;

    mapping(bytes32 reviewId => Review) internal _reviews;
    mapping(address provider => Score) internal _scores;

    constructor(IComputeMarket computeMarket_, IStorageMarket storageMarket_) {
        computeMarket = computeMarket_;
        storageMarket = storageMarket_;
    }

    /// @inheritdoc IReviews
    function reviewTask(
        bytes calldata record,
        uint256 paidMask,
        uint256 charged,
        IComputeMarket.LaterTask[] calldata later,
        uint256 providerIndex,
        uint8 rating,
        bytes calldata textCid
    ) external returns (bytes32 reviewId) {
        _checkContent(rating, textCid);
        // The record is the task's own once its settlement chains to the lane's head; `_record` allows one review
        // per task.
        address client = _requireFinalized(record, paidMask, charged, later);
        if (msg.sender != client) revert ReviewNotClient(msg.sender, client);
        reviewId = _record(
            Subject.Task, _taskIdOf(record), _providerOf(record, providerIndex), charged, rating, textCid
        );
    }

    /// @inheritdoc IReviews
    function reviewDeal(uint256 dealId, uint256 slotIndex, uint8 rating, bytes calldata textCid)
        external
        returns (bytes32 reviewId)
    {
        _checkContent(rating, textCid);
        IStorageMarket.Deal memory terms = storageMarket.deal(dealId);
        if (terms.status != DealStatus.Finished) revert ReviewDealNotFinished(dealId);
        if (msg.sender != terms.client) revert ReviewNotClient(msg.sender, terms.client);
        if (slotIndex >= terms.replicas) revert ReviewUnknownProvider(slotIndex, terms.replicas);
        IStorageMarket.Slot memory reviewed = storageMarket.slot(dealId, slotIndex);
        // What the client paid for this slot: its proven periods; a refunded or unproven period weighs nothing.
        uint256 charged = uint256(terms.payment) * reviewed.paidPeriods;
        reviewId = _record(Subject.Deal, bytes32(dealId), reviewed.provider, charged, rating, textCid);
    }

    /// @inheritdoc IReviews
    function respond(bytes32 reviewId, bytes calldata responseCid) external {
        Review storage stored = _reviews[reviewId];
        address provider = stored.provider;
        if (stored.client == address(0)) revert ReviewUnknownReview(reviewId);
        if (msg.sender != provider) revert ReviewNotProvider(msg.sender, provider);
        if (stored.responded) revert ReviewAlreadyResponded(reviewId);
        _checkCid(responseCid);
        stored.responded = true;
        emit ReviewResponded(reviewId, provider, responseCid);
    }

    /// @inheritdoc IReviews
    function reviewIdOf(Subject subject, bytes32 subjectId) public pure returns (bytes32) {
        return keccak256(abi.encode(subject, subjectId));
    }

    /// @inheritdoc IReviews
    function review(bytes32 reviewId) external view returns (Review memory) {
        return _reviews[reviewId];
    }

    /// @inheritdoc IReviews
    function scoreOf(address provider) external view returns (Score memory) {
        return _scores[provider];
    }

    function _taskIdOf(bytes calldata record) internal view returns (bytes32) {
        return computeMarket.taskIdOf(record.client(), record.nonce());
    }

    function _providerOf(bytes calldata record, uint256 index) internal pure returns (address) {
        uint256 providers = record.providerCount();
        if (index >= providers) revert ReviewUnknownProvider(index, providers);
        return record.provider(index);
    }

    /// @dev Follows the client's lane from this task's settlement as finalized, through each later task, to the
    /// lane's current head in the market; returns the task's client. The market keeps only that head, so this is
    /// how a record, its paid mask and its charge are proven after the lane has moved on.
    function _requireFinalized(
        bytes calldata record,
        uint256 paidMask,
        uint256 charged,
        IComputeMarket.LaterTask[] calldata later
    ) private view returns (address client) {
        client = record.client();
        uint64 nonce = record.nonce();
        bytes23 head =
            TaskStateLib.settlementHead(record.hashCalldata(), TaskStatus.Finalized, paidMask, charged);
        for (uint256 i = 0; i < later.length; ++i) {
            IComputeMarket.LaterTask calldata next = later[i];
            if (next.record.length < TaskRecordLib.HEAD_LENGTH || next.record.previous() != head) {
                revert ReviewTaskNotReviewable(_taskIdOf(record));
            }
            head = next.record.hashCalldata();
            if (next.status != TaskStatus.Matched) {
                head = TaskStateLib.settlementHead(head, next.status, next.paidMask, next.charged);
            }
        }
        if (computeMarket.laneState(client, TaskStateLib.laneOf(nonce)).head != head) {
            revert ReviewTaskNotReviewable(_taskIdOf(record));
        }
    }

    function _record(
        Subject subject,
        bytes32 subjectId,
        address provider,
        uint256 charged,
        uint8 rating,
        bytes calldata textCid
    ) internal returns (bytes32 reviewId) {
        if (provider == msg.sender) revert ReviewSelfReview(provider);
        reviewId = reviewIdOf(subject, subjectId);
        // The compute market spends a task's right once; a deal's is spent here.
        if (_reviews[reviewId].client != address(0)) revert ReviewAlreadyReviewed(reviewId);
        // A weight above 2^96 - 1 (79 billion whole tokens of 18 decimals) counts as that much.
        uint96 weight = uint96(charged > type(uint96).max ? type(uint96).max : charged);
        _reviews[reviewId] = Review({
            client: msg.sender,
            rating: rating,
            subject: subject,
            responded: false,
            provider: provider,
            weight: weight
        });
        Score storage score = _scores[provider];
        score.weight += weight;
        score.weightedRatings += SafeCast.toUint128(uint256(weight) * rating);
        ++score.stars[rating - 1];
        emit Reviewed(reviewId, provider, msg.sender, subject, subjectId, rating, weight, textCid);
    }

    function _checkContent(uint8 rating, bytes calldata textCid) internal pure {
        if (rating == 0 || rating > 5) revert ReviewInvalidRating(rating);
        _checkCid(textCid);
    }

    function _checkCid(bytes calldata cid) internal pure {
        if (cid.length == 0 || cid.length > MAX_CID_LENGTH) revert ReviewInvalidCid(cid.length);
    }
}
