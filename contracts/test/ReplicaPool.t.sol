// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IComputeMarket} from "../src/interfaces/IComputeMarket.sol";
import {IReplicaPool} from "../src/interfaces/IReplicaPool.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";

contract ReplicaPoolTest is MarketFixture {
    uint32 internal expiry;

    function setUp() public override {
        super.setUp();
        expiry = uint32(block.timestamp + 1 days);
    }

    function _request(uint256 replicas, uint256 price)
        internal
        view
        returns (IReplicaPool.DrawRequest memory)
    {
        return IReplicaPool.DrawRequest({
            token: address(usd),
            taskId: keccak256("seed"),
            size: pool.sizeOf(address(usd)),
            drawBlock: block.number,
            matchedAt: block.timestamp,
            replicas: replicas,
            maxPricePerFuel: price,
            minStake: MIN_STAKE
        });
    }

    /// @dev The draw, from the block after its draw block (whose hash seeds it); no seats when too few were found.
    function _seats(IReplicaPool.DrawRequest memory request) internal returns (address[] memory seats) {
        (seats,) = _draw(request);
    }

    function _draw(IReplicaPool.DrawRequest memory request)
        internal
        returns (address[] memory seats, uint256 clearing)
    {
        if (block.number <= request.drawBlock) vm.roll(request.drawBlock + 1);
        try pool.draw(request) returns (address[] memory drawn, uint256 price) {
            return (drawn, price);
        } catch (bytes memory reason) {
            assertEq(
                bytes4(reason), IComputeMarket.ComputeSeatsUnavailable.selector, "too few members, or nothing"
            );
            return (new address[](0), 0);
        }
    }

    function test_join_takesASlotAndRenewingTakesANewOne() public {
        vm.prank(providers[0]);
        pool.join(address(usd), 2, expiry);
        vm.prank(providers[1]);
        pool.join(address(usd), 3, expiry);
        (uint256 slot, bool member) = pool.slotOf(address(usd), providers[1]);
        assertTrue(member);
        assertEq(slot, 1);
        vm.roll(block.number + 5);
        vm.prank(providers[1]);
        pool.join(address(usd), 4, expiry + 1);
        (slot,) = pool.slotOf(address(usd), providers[1]);
        assertEq(slot, 2, "a renewal takes a new slot");
        IReplicaPool.Member memory renewed = pool.memberAt(address(usd), 2);
        assertEq(renewed.provider, providers[1]);
        assertEq(renewed.floorPricePerFuel, 4);
        assertEq(renewed.joinedAt, block.number, "a renewal counts as a fresh join for later draws");
        IReplicaPool.Member memory old = pool.memberAt(address(usd), 1);
        assertEq(old.floorPricePerFuel, 3, "the old terms stay for the draws already seeded");
        assertEq(old.leftAt, block.number);
        assertEq(pool.sizeOf(address(usd)), 3);
    }

    function test_join_refusesStrangersJailedProvidersAndPastExpiry() public {
        address stranger = makeAddr("stranger");
        vm.expectRevert(abi.encodeWithSelector(IReplicaPool.PoolNotActiveProvider.selector, stranger));
        vm.prank(stranger);
        pool.join(address(usd), 2, expiry);
        vm.expectRevert(
            abi.encodeWithSelector(IReplicaPool.PoolExpiryInPast.selector, uint32(block.timestamp))
        );
        vm.prank(providers[0]);
        pool.join(address(usd), 2, uint32(block.timestamp));
        uint40 until = uint40(block.timestamp + 1 hours);
        vm.prank(owner);
        registry.jail(providers[0], until);
        vm.expectRevert(abi.encodeWithSelector(IReplicaPool.PoolProviderJailed.selector, providers[0], until));
        vm.prank(providers[0]);
        pool.join(address(usd), 2, expiry);
    }

    function test_leaveAndEvict_freeSlotsForReuseOnceNoDrawCanSeeThem() public {
        for (uint256 i = 0; i < 3; ++i) {
            vm.prank(providers[i]);
            pool.join(address(usd), 2, expiry);
        }
        vm.prank(providers[1]);
        pool.leave(address(usd));
        vm.expectRevert(
            abi.encodeWithSelector(IReplicaPool.PoolMemberCurrent.selector, providers[2], address(usd))
        );
        pool.evict(address(usd), providers[2]);
        vm.warp(expiry + 1);
        pool.evict(address(usd), providers[2]); // lapsed: anyone may end the membership
        uint256 leftAt = block.number;
        vm.prank(providers[3]);
        pool.join(address(usd), 2, uint32(block.timestamp + 1 days));
        (uint256 slot,) = pool.slotOf(address(usd), providers[3]);
        assertEq(slot, 3, "a slot left within the last 256 blocks is not reused");
        vm.roll(leftAt + pool.REUSE_DELAY() + 1);
        vm.prank(providers[4]);
        pool.join(address(usd), 2, uint32(block.timestamp + 1 days));
        (slot,) = pool.slotOf(address(usd), providers[4]);
        assertEq(slot, 2, "then the last freed slot is reused first");
        assertEq(pool.sizeOf(address(usd)), 4);
        vm.expectRevert(
            abi.encodeWithSelector(IReplicaPool.PoolNotMember.selector, providers[1], address(usd))
        );
        vm.prank(providers[1]);
        pool.leave(address(usd));
    }

    function test_evict_endsMembersWhoseStandingFell() public {
        for (uint256 i = 0; i < 4; ++i) {
            vm.prank(providers[i]);
            pool.join(address(usd), 2, expiry);
        }
        vm.prank(owner);
        registry.jail(providers[0], uint40(block.timestamp + 1 hours));
        pool.evict(address(usd), providers[0]);
        vm.prank(providers[1]);
        registry.requestUnbond(1);
        pool.evict(address(usd), providers[1]);
        vm.prank(providers[2]);
        registry.leave();
        pool.evict(address(usd), providers[2]);
        vm.expectRevert(
            abi.encodeWithSelector(IReplicaPool.PoolMemberCurrent.selector, providers[3], address(usd))
        );
        pool.evict(address(usd), providers[3]);
        for (uint256 i = 0; i < 3; ++i) {
            (, bool member) = pool.slotOf(address(usd), providers[i]);
            assertFalse(member);
        }
        vm.roll(block.number + 1);
        address[] memory seats = _seats(_request(1, 2));
        assertEq(seats[0], providers[3], "draws seeded after the evictions pass the evicted over");
    }

    /// The attack this guards: once the seed is out, a submitter with several members tries which of them to pull
    /// (leave, renew, unbond, get jailed and evicted) so that the draw re-rolls into a quorum of its own. A draw reads
    /// the slots as they were at its draw block, so whatever the members do after it, the seats are the same.
    function testFuzz_draw_isTheSameWhateverMembersDoAfterTheSeed(bytes32 seed, uint16 moves) public {
        for (uint256 i = 0; i < 9; ++i) {
            if (i >= providers.length) _addProvider(i);
            vm.prank(providers[i]);
            pool.join(address(usd), 2, expiry);
        }
        vm.roll(block.number + 1);
        IReplicaPool.DrawRequest memory request = _request(3, 2);
        request.taskId = seed;
        vm.roll(block.number + 1);
        address[] memory before = _seats(request);
        assertEq(before.length, 3);
        for (uint256 i = 0; i < 9; ++i) {
            uint256 move = (uint256(moves) >> (2 * (i % 8))) & 3;
            if (i == 8) move = uint256(moves) >> 15;
            vm.startPrank(providers[i]);
            if (move == 1) {
                pool.leave(address(usd));
            } else if (move == 2) {
                pool.join(address(usd), 1, expiry + 1);
            } else if (move == 3) {
                registry.requestUnbond(uint96(registry.providerOf(providers[i]).bonded));
                pool.evict(address(usd), providers[i]);
            }
            vm.stopPrank();
        }
        vm.roll(block.number + 1);
        address[] memory afterMoves = _seats(request);
        assertEq(afterMoves.length, 3);
        for (uint256 i = 0; i < 3; ++i) {
            assertEq(afterMoves[i], before[i], "the same seats");
        }
    }

    function _addProvider(uint256 i) internal {
        (address extra, uint256 key) = makeAddrAndKey(string.concat("member", vm.toString(i)));
        providers.push(extra);
        providerKeys.push(key);
        _registerAndStake(extra, STAKE);
    }

    function test_draw_seatsDistinctEligibleMembersInSlotOrder() public {
        for (uint256 i = 0; i < 5; ++i) {
            vm.prank(providers[i]);
            pool.join(address(usd), i == 4 ? 3 : 2, expiry);
        }
        vm.roll(block.number + 1);
        address[] memory seats = _seats(_request(4, 2));
        assertEq(seats.length, 4);
        for (uint256 i = 0; i < 4; ++i) {
            assertEq(seats[i], providers[i], "the member asking 3 per fuel is never drawn at 2");
        }
        (, uint256 clearing) = _draw(_request(4, 2));
        assertEq(clearing, 2, "the highest floor among the seats");
        assertEq(_seats(_request(5, 2)).length, 0, "too few eligible: no seats at all");
        (address[] memory all, uint256 allClearing) = _draw(_request(5, 3));
        assertEq(all.length, 5);
        assertEq(allClearing, 3, "the member asking 3 sets the price it is seated at");
    }

    /// A try never lands on a seat already taken, so a pool exactly as large as the draw seats all of it, whatever the
    /// seed (redrawing until a new slot came up failed with a small probability and cost tries).
    function testFuzz_draw_aFullPoolSeatsEveryMember(bytes32 seed) public {
        for (uint256 i = 0; i < 5; ++i) {
            vm.prank(providers[i]);
            pool.join(address(usd), 2, expiry);
        }
        vm.roll(block.number + 1);
        IReplicaPool.DrawRequest memory request = _request(5, 2);
        request.taskId = seed;
        address[] memory seats = _seats(request);
        assertEq(seats.length, 5);
        for (uint256 i = 0; i < 5; ++i) {
            assertEq(seats[i], providers[i], "every member, in slot order");
        }
    }

    /// Picking among the slots not yet seated keeps the draw uniform: with equal stakes each of 4 members takes one of
    /// 2 seats half the time.
    function test_draw_equalStakesAreEquallyLikelyToBeSeated() public {
        for (uint256 i = 0; i < 4; ++i) {
            vm.prank(providers[i]);
            pool.join(address(usd), 2, expiry);
        }
        vm.roll(block.number + 1);
        IReplicaPool.DrawRequest memory request = _request(2, 2);
        uint256[4] memory seated;
        for (uint256 n = 0; n < 2000; ++n) {
            request.taskId = keccak256(abi.encode(n));
            address[] memory seats = _seats(request);
            for (uint256 j = 0; j < 2; ++j) {
                for (uint256 i = 0; i < 4; ++i) {
                    if (seats[j] == providers[i]) ++seated[i];
                }
            }
        }
        // Expected 1000 each; 4 sigma of a binomial(2000, 0.5) is about 89.
        for (uint256 i = 0; i < 4; ++i) {
            assertApproxEqAbs(seated[i], 1000, 89);
        }
    }

    function test_draw_passesOverMembersJoinedInOrAfterTheDrawBlock() public {
        for (uint256 i = 0; i < 3; ++i) {
            vm.prank(providers[i]);
            pool.join(address(usd), 2, expiry);
        }
        assertEq(_seats(_request(1, 2)).length, 0);
        vm.roll(block.number + 1);
        assertEq(_seats(_request(3, 2)).length, 3);
    }

    function test_draw_passesOverLapsedUnderstakedAndLeftMembers() public {
        for (uint256 i = 0; i < 4; ++i) {
            vm.prank(providers[i]);
            pool.join(address(usd), 2, i == 0 ? uint32(block.timestamp + 1) : expiry);
        }
        vm.prank(providers[3]);
        pool.leave(address(usd));
        vm.roll(block.number + 1);
        vm.warp(block.timestamp + 2);
        assertEq(_seats(_request(3, 2)).length, 0, "lapsed at the match, or left: not drawn");
        assertEq(_seats(_request(2, 2)).length, 2);
        IReplicaPool.DrawRequest memory request = _request(2, 2);
        request.minStake = STAKE + 1;
        assertEq(
            _seats(request).length, 0, "members that joined below the market's minimum stake are not drawn"
        );
    }

    function test_draw_weighsByStakeUpToTheSeatStake() public {
        // Seat stake is 10,000; provider 0 is bonded 10,000, provider 1 only 2,500: it is kept a quarter as often.
        _heavyAndLightPool();
        IReplicaPool.DrawRequest memory request = _request(1, 2);
        request.minStake = 1;
        uint256 heavySeats;
        uint256 lightSeats;
        for (uint256 i = 0; i < 2000; ++i) {
            request.taskId = keccak256(abi.encode(i));
            address[] memory seats = _seats(request);
            if (seats[0] == providers[0]) ++heavySeats;
            else ++lightSeats;
        }
        // Expected 1600 to 400 (weights 4:1); 4 sigma of a binomial(2000, 0.2) is about 72.
        assertApproxEqAbs(lightSeats, 400, 72);
        assertEq(heavySeats + lightSeats, 2000);
    }

    /// Stake moved once a seed is out moves nothing: the light member, bonded 2,500 when it joined, stays a quarter as
    /// likely after bonding 10,000 more, and exactly as often drawn after unbonding most of it, until it is evicted.
    function test_draw_weightNeverExceedsTheStakeAtJoin() public {
        address light = _heavyAndLightPool();
        agora.transfer(light, STAKE);
        vm.startPrank(light);
        agora.approve(address(registry), STAKE);
        registry.stake(STAKE);
        vm.stopPrank();
        assertEq(registry.providerOf(light).bonded, STAKE + STAKE / 4);
        IReplicaPool.DrawRequest memory request = _request(1, 2);
        request.minStake = 1;
        uint256 lightSeats;
        for (uint256 i = 0; i < 2000; ++i) {
            request.taskId = keccak256(abi.encode(i));
            if (_seats(request)[0] == light) ++lightSeats;
        }
        assertApproxEqAbs(lightSeats, 400, 72, "weighs what it had bonded at join, not what it added");

        vm.prank(light);
        registry.requestUnbond(STAKE + STAKE / 8); // 1,250 left bonded: below its joining stake
        uint256 unbonded;
        for (uint256 i = 0; i < 2000; ++i) {
            request.taskId = keccak256(abi.encode(i));
            if (_seats(request)[0] == light) ++unbonded;
        }
        assertEq(unbonded, lightSeats, "stake removed after the seed moves no seat either");
        pool.evict(address(usd), light);
        vm.roll(block.number + 1);
        request.drawBlock = block.number;
        for (uint256 i = 0; i < 200; ++i) {
            request.taskId = keccak256(abi.encode(i));
            assertEq(_seats(request)[0], providers[0], "evicted, it is out of later draws");
        }
    }

    /// @dev A pool of provider 0, bonded the seat stake (10,000), and a fresh `light` member bonded a quarter of it,
    /// both joined a block before the next draw.
    function _heavyAndLightPool() internal returns (address light) {
        vm.prank(owner);
        pool.setSeatStake(STAKE);
        uint256 key;
        (light, key) = makeAddrAndKey("light");
        providers.push(light);
        providerKeys.push(key);
        _registerAndStake(light, STAKE / 4);
        vm.prank(providers[0]);
        pool.join(address(usd), 2, expiry);
        vm.prank(light);
        pool.join(address(usd), 2, expiry);
        vm.roll(block.number + 1);
    }

    function test_setSeatStake_ownerOnlyAndBounded() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, client));
        vm.prank(client);
        pool.setSeatStake(1);
        vm.expectRevert(
            abi.encodeWithSelector(IReplicaPool.PoolSeatStakeOutOfBounds.selector, 0, 1, 1e9 ether)
        );
        vm.prank(owner);
        pool.setSeatStake(0);
    }
}
