// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Replica pool: the providers a multi-replica task's seats are drawn from.
/// @notice A provider that wants replicated work joins the pool of a payment token with the least price per fuel
/// it accepts and a time its membership lapses. A task with several replicas names no providers: the market draws
/// its seats here, weighted by bonded stake (up to `seatStake` per seat), with a seed nobody knew when the task was
/// matched (see `ComputeMarket.seat`). Whoever submits the match therefore cannot pick the quorum; an adversary
/// holding a share x of the pool's weight fills each seat with probability about x.
/// @dev Draws are rejection samples over the pool's slots: a slot is picked uniformly and kept with probability
/// `min(bonded at join, seatStake) / seatStake`. A draw reads nothing but the slots as they were at its draw block, so
/// nothing done once the seed is known changes it: a slot taken (or renewed) in or after the draw block is passed
/// over, a member that leaves (or is evicted, or renews) after it keeps its place in that draw, and the weight is
/// the stake bonded at join, so neither adding stake nor removing it moves the seats. A left slot is reused only once
/// no draw that could still see it is possible (256 blocks, the hashes the chain keeps). A member whose standing
/// fell (jailed, unbonded, gone from the registry, lapsed) is evicted by anyone and drops out of later draws.
interface IReplicaPool {
    /// @notice A seat-holder's terms as the draw reads them.
    struct Member {
        address provider;
        /// @notice Block in which the slot was taken; draws seeded at or before it pass it over.
        uint32 joinedAt;
        /// @notice Unix time after which the membership lapses; drawn only for tasks matched by then.
        uint32 expiry;
        /// @notice Block in which the member left (or was evicted, or renewed into a new slot); zero while a member.
        /// Draws seeded before it still see the slot.
        uint32 leftAt;
        /// @notice Least price per fuel the provider accepts, in the pool's token base units.
        uint96 floorPricePerFuel;
        /// @notice The provider's bonded stake when it joined: the most its weight in a draw can be.
        uint96 bondedAtJoin;
    }

    /// @notice What a draw is for: `replicas` seats of `token`'s pool among its first `size` slots for task `taskId`,
    /// seeded by the hash of `drawBlock` (the task's match block) and the task id.
    /// Eligible: a slot taken before `drawBlock` and not left by then, not lapsed at `matchedAt` (the task's match
    /// time), joined with at least `minStake` bonded, asking at most `maxPricePerFuel`.
    struct DrawRequest {
        address token;
        bytes32 taskId;
        uint256 size;
        uint256 drawBlock;
        uint256 matchedAt;
        uint256 replicas;
        uint256 maxPricePerFuel;
        uint256 minStake;
    }

    error PoolNotActiveProvider(address provider);
    error PoolProviderJailed(address provider, uint40 jailedUntil);
    error PoolExpiryInPast(uint32 expiry);
    error PoolFull(address token, uint256 size);
    error PoolNotMember(address provider, address token);
    error PoolMemberCurrent(address provider, address token);
    error PoolTooManySeats(uint256 replicas);
    error PoolSeatStakeOutOfBounds(uint256 value, uint256 min, uint256 max);

    event PoolJoined(address indexed provider, address indexed token, uint256 slot, Member member);
    event PoolLeft(address indexed provider, address indexed token, uint256 slot);
    event SeatStakeUpdated(uint96 seatStake);

    /// @notice Joins the pool of `token`, or renews the caller's membership with new terms: a new slot, the old one
    /// left (draws already seeded see the old terms, later ones the new).
    function join(address token, uint96 floorPricePerFuel, uint32 expiry) external;

    /// @notice Leaves the pool of `token`. Draws seeded before this block may still seat the caller (it serves them or
    /// is slashed as a no-show); later ones pass it over.
    function leave(address token) external;

    /// @notice Ends the membership of a member that lapsed, is jailed, is no longer active in the registry or has
    /// less stake bonded than it joined with. Anyone may call it; it counts for draws seeded from the next block on.
    function evict(address token, address provider) external;

    /// @notice Draws the request's seats: distinct eligible members, in slot order, and the highest of their floors
    /// (the one price that pays every seat its floor). Reverts with the market's `ComputeDrawUnavailable` when the
    /// draw block's hash is not available (its own block, or 256 blocks later), and `ComputeSeatsUnavailable` when
    /// the draw found too few members within its bounded tries.
    function draw(DrawRequest calldata request)
        external
        view
        returns (address[] memory seats, uint256 clearingPricePerFuel);

    /// @notice How many slots `token`'s pool has (taken or free); a draw samples the slots that existed at its match.
    function sizeOf(address token) external view returns (uint256);

    /// @notice The member in slot `slot` of `token`'s pool (a left member keeps its slot, with `leftAt`, until reuse).
    function memberAt(address token, uint256 slot) external view returns (Member memory);

    /// @notice The slot of `provider` in `token`'s pool, and whether it has one.
    function slotOf(address token, address provider) external view returns (uint256 slot, bool member);

    /// @notice The stake that buys a whole seat ticket; stake above it buys nothing more.
    function seatStake() external view returns (uint96);
}
