// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IComputeMarket} from "./IComputeMarket.sol";
import {IStorageMarket} from "./IStorageMarket.sol";

/// @title Reviews: one per settled task or finished storage deal, by the client who paid for it.
/// @notice A review is a rating from 1 to 5 and the CID of its text; it names one provider of the task or deal,
/// never changes, and its provider may respond once. Each provider's aggregate is kept on-chain, every review
/// weighted by what its client was charged, so a fake review costs a real, fee-paying deal: a compute task's
/// review right is spent through the market's review hook, a storage deal's once it has finished.
interface IReviews {
    /// @notice What a review is about.
    enum Subject {
        Task,
        Deal
    }

    /// @notice A review as stored; its text and the provider's response are CIDs, in the events only.
    struct Review {
        address client;
        uint8 rating;
        Subject subject;
        bool responded;
        address provider;
        /// @notice What the client was charged for the task or deal, in its token's base units (capped).
        uint96 weight;
    }

    /// @notice A provider's aggregate over every review it received.
    struct Score {
        /// @notice Sum of the reviews' weights.
        uint128 weight;
        /// @notice Sum of rating times weight: `weightedRatings / weight` is the weighted mean.
        uint128 weightedRatings;
        /// @notice How many reviews gave 1, 2, 3, 4 and 5 stars.
        uint32[5] stars;
    }

    error ReviewInvalidRating(uint8 rating);
    error ReviewInvalidCid(uint256 length);
    error ReviewNotClient(address caller, address client);
    error ReviewSelfReview(address provider);
    error ReviewUnknownProvider(uint256 index, uint256 providers);
    error ReviewDealNotFinished(uint256 dealId);
    error ReviewAlreadyReviewed(bytes32 reviewId);
    error ReviewTaskNotReviewable(bytes32 taskId);
    error ReviewUnknownReview(bytes32 reviewId);
    error ReviewNotProvider(address caller, address provider);
    error ReviewAlreadyResponded(bytes32 reviewId);

    /// @notice A client reviewed `provider`; `subjectId` is the task id or the deal id.
    event Reviewed(
        bytes32 indexed reviewId,
        address indexed provider,
        address indexed client,
        Subject subject,
        bytes32 subjectId,
        uint8 rating,
        uint96 weight,
        bytes textCid
    );
    /// @notice The provider of a review answered it.
    event ReviewResponded(bytes32 indexed reviewId, address indexed provider, bytes responseCid);

    /// @notice Reviews one provider of a task the caller paid for, spending the task's review right.
    /// @param record The task's record; `paidMask` and `charged` as in its `TaskSettled`.
    /// @param later The tasks settled or opened in the client's lane since (see `IComputeMarket.consumeReviewRight`).
    /// @param providerIndex The reviewed provider's index in the record.
    /// @param rating 1 to 5.
    /// @param textCid The CID of the review's text (1 to 128 bytes).
    function reviewTask(
        bytes calldata record,
        uint256 paidMask,
        uint256 charged,
        IComputeMarket.LaterTask[] calldata later,
        uint256 providerIndex,
        uint8 rating,
        bytes calldata textCid
    ) external returns (bytes32 reviewId);

    /// @notice Reviews the provider holding slot `slotIndex` of a finished deal the caller paid for; one review a deal.
    /// The review weighs what the client paid for that slot (its proven periods), so a deal nobody served weighs 0.
    function reviewDeal(uint256 dealId, uint256 slotIndex, uint8 rating, bytes calldata textCid)
        external
        returns (bytes32 reviewId);

    /// @notice The reviewed provider's one answer to a review.
    function respond(bytes32 reviewId, bytes calldata responseCid) external;

    /// @notice The id of the review of a task (`subjectId` = task id) or a deal (`subjectId` = deal id).
    function reviewIdOf(Subject subject, bytes32 subjectId) external pure returns (bytes32);

    /// @notice A review; a zero client means there is none.
    function review(bytes32 reviewId) external view returns (Review memory);

    /// @notice A provider's aggregate.
    function scoreOf(address provider) external view returns (Score memory);

    /// @notice The compute market whose review rights this contract spends.
    function computeMarket() external view returns (IComputeMarket);

    /// @notice The storage market whose finished deals can be reviewed.
    function storageMarket() external view returns (IStorageMarket);
}
