// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IProviderRegistry} from "./IProviderRegistry.sol";

/// @notice Where a draw reads providers' current standing: the market that seats the task, from its mirror of the
/// registry (the word its matches read anyway, so a seat's standing costs one storage read, warm for the market).
interface IProviderStandings {
    function standingOf(address provider)
        external
        view
        returns (uint96 bonded, uint40 jailedUntil, IProviderRegistry.ProviderStatus status);
}

/// @title Replica pool: the providers a multi-replica task's seats are drawn from.
/// @notice A provider that wants replicated work joins the pool of a payment token with the least price per fuel
/// it accepts and a time its membership lapses. A task with several replicas names no providers: the market draws
/// its seats here, weighted by bonded stake (up to `seatStake` per seat), with a seed nobody knew when the task was
/// matched (see `ComputeMarket.seat`). Whoever submits the match therefore cannot pick the quorum; an adversary
/// holding a share x of the pool's weight fills each seat with probability about x.
/// @dev Draws are rejection samples over the pool's slots: a slot is picked uniformly and kept with probability
/// `min(bonded at join, bonded now, seatStake) / seatStake`. No member can raise its chances once a seed is known: a
/// slot taken (or renewed) in or after the draw's block is passed over, and a member's weight never exceeds the stake
/// it had bonded when it joined, so stake added after seeing a seed buys nothing; stake removed only lowers it. The
/// current standing (bonded stake, jail, status) is the market's mirror of the registry (`IProviderStandings`).
interface IReplicaPool {
    /// @notice A seat-holder's terms as the draw reads them.
    struct Member {
        address provider;
        /// @notice Block in which the slot was taken; draws seeded at or before it pass it over.
        uint32 joinedAt;
        /// @notice Unix time after which the membership lapses.
        uint32 expiry;
        /// @notice Least price per fuel the provider accepts, in the pool's token base units.
        uint96 floorPricePerFuel;
        /// @notice The provider's bonded stake when it joined: the most its weight in a draw can be.
        uint96 bondedAtJoin;
    }

    /// @notice What a draw is for: `replicas` seats of `token`'s pool among its first `size` slots, from `seed`.
    /// Eligible: a slot taken before `drawBlock`, not lapsed, whose provider `standings` reports active, not jailed
    /// and bonded at least `minStake`, asking at most `maxPricePerFuel`.
    struct DrawRequest {
        IProviderStandings standings;
        address token;
        bytes32 seed;
        uint256 size;
        uint256 drawBlock;
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

    /// @notice Joins the pool of `token`, or renews the caller's membership with new terms (which passes the slot
    /// over in every draw already seeded).
    function join(address token, uint96 floorPricePerFuel, uint32 expiry) external;

    /// @notice Leaves the pool of `token`. Tasks already seated keep the caller; draws not yet made pass it over.
    function leave(address token) external;

    /// @notice Frees the slot of a member whose membership lapsed or whose provider left the registry. Anyone may
    /// call it: it keeps the pool dense, so draws find a member in fewer tries.
    function evict(address token, address provider) external;

    /// @notice Draws the request's seats: distinct eligible members, in slot order, and the highest of their floors
    /// (the one price that pays every seat its floor). An empty array when the draw found too few within its bounded
    /// tries.
    function draw(DrawRequest calldata request)
        external
        view
        returns (address[] memory seats, uint256 clearingPricePerFuel);

    /// @notice How many slots `token`'s pool has (taken or free); a draw samples the slots that existed at its match.
    function sizeOf(address token) external view returns (uint256);

    /// @notice The member in slot `slot` of `token`'s pool (zero when the slot is free).
    function memberAt(address token, uint256 slot) external view returns (Member memory);

    /// @notice The slot of `provider` in `token`'s pool, and whether it has one.
    function slotOf(address token, address provider) external view returns (uint256 slot, bool member);

    /// @notice The stake that buys a whole seat ticket; stake above it buys nothing more.
    function seatStake() external view returns (uint96);
}
