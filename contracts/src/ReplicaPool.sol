// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

import {IComputeMarket} from "./interfaces/IComputeMarket.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";
import {IReplicaPool} from "./interfaces/IReplicaPool.sol";

/// @title ReplicaPool
/// @notice Membership of the providers that take replicated work, per payment token, and the stake-weighted draw of
/// a task's seats (see `IReplicaPool`).
/// @dev A draw reads only slots (see `IReplicaPool`), never a standing that may have changed since its seed. A slot is
/// two words: provider, block joined, expiry and block left; floor price and stake at join.
contract ReplicaPool is IReplicaPool, Ownable2Step {
    /// @notice Slots per token. Draws sample slots uniformly, so a bound keeps an adversary from diluting the pool
    /// with empty ones; free slots are reused.
    uint256 public constant MAX_SIZE = 4096;
    /// @notice Tries per seat. A try samples among the slots not yet seated, so only ineligible slots and members
    /// below a whole ticket of stake spend tries.
    uint256 public constant TRIES_PER_SEAT = 16;
    uint256 public constant MAX_SEATS = 16;
    uint96 public constant MAX_SEAT_STAKE = 1e9 ether;
    /// @notice Blocks a left slot waits before reuse: past them no draw seeded while it was held can be made.
    uint256 public constant REUSE_DELAY = 256;

    IProviderRegistry public immutable registry;
    uint96 public seatStake;

    mapping(address token => Member[]) internal _members;
    /// @dev Slot index plus one; zero for a provider without a slot.
    mapping(address token => mapping(address provider => uint256)) internal _slotPlusOne;
    mapping(address token => uint256[]) internal _freeSlots;

    constructor(IProviderRegistry registry_, address owner_, uint96 seatStake_) Ownable(owner_) {
        registry = registry_;
        _setSeatStake(seatStake_);
    }

    /// @inheritdoc IReplicaPool
    function join(address token, uint96 floorPricePerFuel, uint32 expiry) external {
        if (expiry <= block.timestamp) revert PoolExpiryInPast(expiry);
        IProviderRegistry.Provider memory standing = registry.providerOf(msg.sender);
        if (standing.status != IProviderRegistry.ProviderStatus.Active || standing.bonded == 0) {
            revert PoolNotActiveProvider(msg.sender);
        }
        if (standing.jailedUntil > block.timestamp) {
            revert PoolProviderJailed(msg.sender, standing.jailedUntil);
        }
        uint256 slotPlusOne = _slotPlusOne[token][msg.sender];
        // A renewal takes a new slot: the old terms stay in every draw already seeded.
        if (slotPlusOne != 0) _leave(token, msg.sender, slotPlusOne - 1);
        Member memory member = Member({
            provider: msg.sender,
            // Block numbers fit 32 bits for centuries at one block a second.
            joinedAt: uint32(block.number),
            expiry: expiry,
            leftAt: 0,
            floorPricePerFuel: floorPricePerFuel,
            bondedAtJoin: standing.bonded
        });
        uint256 slot = _takeSlot(token);
        _slotPlusOne[token][msg.sender] = slot + 1;
        _members[token][slot] = member;
        emit PoolJoined(msg.sender, token, slot, member);
    }

    /// @inheritdoc IReplicaPool
    function leave(address token) external {
        uint256 slotPlusOne = _slotPlusOne[token][msg.sender];
        if (slotPlusOne == 0) revert PoolNotMember(msg.sender, token);
        _leave(token, msg.sender, slotPlusOne - 1);
    }

    /// @inheritdoc IReplicaPool
    function evict(address token, address provider) external {
        uint256 slotPlusOne = _slotPlusOne[token][provider];
        if (slotPlusOne == 0) revert PoolNotMember(provider, token);
        Member storage member = _members[token][slotPlusOne - 1];
        IProviderRegistry.Provider memory standing = registry.providerOf(provider);
        bool fallen = member.expiry < block.timestamp
            || standing.status != IProviderRegistry.ProviderStatus.Active
            || standing.jailedUntil > block.timestamp || standing.bonded < member.bondedAtJoin;
        if (!fallen) revert PoolMemberCurrent(provider, token);
        _leave(token, provider, slotPlusOne - 1);
    }

    /// @notice Sets the stake that buys a whole seat ticket. Weights already joined keep their value.
    function setSeatStake(uint96 seatStake_) external onlyOwner {
        _setSeatStake(seatStake_);
    }

    /// @inheritdoc IReplicaPool
    function draw(DrawRequest calldata request)
        external
        view
        returns (address[] memory seats, uint256 clearingPricePerFuel)
    {
        uint256 replicas = request.replicas;
        if (replicas > MAX_SEATS) revert PoolTooManySeats(replicas);
        bytes32 blockHash = blockhash(request.drawBlock);
        if (blockHash == 0) revert IComputeMarket.ComputeDrawUnavailable(request.taskId, request.drawBlock);
        Member[] storage members = _members[request.token];
        uint256 size = request.size < members.length ? request.size : members.length;
        uint256[] memory slots;
        if (size >= replicas) {
            slots = _drawSlots(members, request, size, keccak256(abi.encode(blockHash, request.taskId)));
        }
        if (slots.length == 0) revert IComputeMarket.ComputeSeatsUnavailable(request.taskId);
        seats = new address[](replicas);
        for (uint256 i = 0; i < replicas; ++i) {
            Member storage member = members[slots[i]];
            seats[i] = member.provider;
            uint256 floor = member.floorPricePerFuel;
            if (floor > clearingPricePerFuel) clearingPricePerFuel = floor;
        }
    }

    /// @inheritdoc IReplicaPool
    function sizeOf(address token) external view returns (uint256) {
        return _members[token].length;
    }

    /// @inheritdoc IReplicaPool
    function memberAt(address token, uint256 slot) external view returns (Member memory) {
        return _members[token][slot];
    }

    /// @inheritdoc IReplicaPool
    function slotOf(address token, address provider) external view returns (uint256 slot, bool member) {
        uint256 slotPlusOne = _slotPlusOne[token][provider];
        return slotPlusOne == 0 ? (0, false) : (slotPlusOne - 1, true);
    }

    /// @dev The drawn slots, ascending; empty when the tries ran out. Each try picks uniformly among the slots not
    /// yet seated (the `pick`-th of them), which is a uniform pick over all slots conditioned on a new one, so
    /// the draw is the same as redrawing until an unseated slot comes up, without the wasted tries.
    function _drawSlots(Member[] storage members, DrawRequest calldata request, uint256 size, bytes32 seed)
        private
        view
        returns (uint256[] memory slots)
    {
        uint256 replicas = request.replicas;
        slots = new uint256[](replicas);
        uint256 seated;
        for (uint256 try_ = 0; try_ < replicas * TRIES_PER_SEAT && seated < replicas; ++try_) {
            uint256 ticket = uint256(keccak256(abi.encode(seed, try_)));
            (uint256 slot, uint256 at) = _unseatedSlot(slots, seated, ticket % (size - seated));
            if (_eligibleFloor(members[slot], request, ticket >> 128) > request.maxPricePerFuel) continue;
            for (uint256 i = seated; i > at; --i) {
                slots[i] = slots[i - 1];
            }
            slots[at] = slot;
            ++seated;
        }
        if (seated < replicas) return new uint256[](0);
    }

    /// @dev The `pick`-th slot (from zero) not among the first `seated` of `slots` (ascending), and where it goes
    /// among them to keep them ascending.
    function _unseatedSlot(uint256[] memory slots, uint256 seated, uint256 pick)
        private
        pure
        returns (uint256 slot, uint256 at)
    {
        slot = pick;
        while (at < seated && slots[at] <= slot) {
            ++slot;
            ++at;
        }
    }

    /// @dev The member's floor when the try keeps it, else type(uint256).max (which no price reaches). `roll` is
    /// uniform over 128 bits; an eligible member is kept with probability min(bonded at join, cap) / cap.
    function _eligibleFloor(Member storage member, DrawRequest calldata request, uint256 roll)
        private
        view
        returns (uint256)
    {
        uint256 left = member.leftAt;
        if (
            member.provider == address(0) || member.joinedAt >= request.drawBlock
                || (left != 0 && left <= request.drawBlock) || member.expiry < request.matchedAt
        ) {
            return type(uint256).max;
        }
        uint256 weight = member.bondedAtJoin;
        if (weight < request.minStake) return type(uint256).max;
        uint256 cap = seatStake;
        if (weight > cap) weight = cap;
        if (roll % cap >= weight) return type(uint256).max;
        return member.floorPricePerFuel;
    }

    /// @dev The most recently freed slot once its reuse delay is over, else a new one.
    function _takeSlot(address token) private returns (uint256 slot) {
        uint256[] storage free = _freeSlots[token];
        Member[] storage members = _members[token];
        uint256 count = free.length;
        if (count != 0) {
            slot = free[count - 1];
            if (block.number > members[slot].leftAt + REUSE_DELAY) {
                free.pop();
                return slot;
            }
        }
        slot = members.length;
        if (slot >= MAX_SIZE) revert PoolFull(token, slot);
        members.push();
    }

    /// @dev Ends a membership: the slot keeps its terms, marked left, for the draws seeded before this block.
    function _leave(address token, address provider, uint256 slot) private {
        _members[token][slot].leftAt = uint32(block.number);
        delete _slotPlusOne[token][provider];
        _freeSlots[token].push(slot);
        emit PoolLeft(provider, token, slot);
    }

    function _setSeatStake(uint96 seatStake_) private {
        if (seatStake_ == 0 || seatStake_ > MAX_SEAT_STAKE) {
            revert PoolSeatStakeOutOfBounds(seatStake_, 1, MAX_SEAT_STAKE);
        }
        seatStake = seatStake_;
        emit SeatStakeUpdated(seatStake_);
    }
}
