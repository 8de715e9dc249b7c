// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IComputeMarket} from "../../src/interfaces/IComputeMarket.sol";
import {Task, TaskStatus} from "../../src/types/Orders.sol";
import {MarketFixture} from "../utils/MarketFixture.sol";

contract SettlementFuzzTest is MarketFixture {
    /// @notice For any fees, price and fuel, the lock covers the charge and the refund closes the books.
    function testFuzz_lockAmount_coversEverySettlement(
        uint128 price,
        uint64 maxFuel,
        uint64 fuelUsed,
        uint8 replicas,
        uint8 paid,
        uint16 protocolFeeBps,
        uint16 matcherFeeBps
    ) public view {
        replicas = uint8(bound(replicas, 1, 16));
        paid = uint8(bound(paid, 0, replicas));
        fuelUsed = uint64(bound(fuelUsed, 0, maxFuel));
        protocolFeeBps = uint16(bound(protocolFeeBps, 0, 1000));
        matcherFeeBps = uint16(bound(matcherFeeBps, 0, 1000));
        uint256 locked = market.lockAmount(price, maxFuel, replicas, protocolFeeBps, matcherFeeBps);
        uint256 cost = uint256(fuelUsed) * price * paid;
        uint256 charged = cost + cost * protocolFeeBps / 10_000 + cost * matcherFeeBps / 10_000;
        assertLe(charged, locked);
    }

    /// @notice Any mix of honest, lying and silent providers, revealing in any order: the books balance, the
    /// honest majority is paid exactly, and the client gets back everything else.
    function testFuzz_replicated_anyBehaviourAndOrder(
        uint256 behaviours,
        uint256 order,
        uint64 fuel,
        bool late
    ) public {
        fuel = uint64(bound(fuel, 0, MAX_FUEL));
        // An earlier task in the same lane leaves its replica words behind; they must not count for this one.
        bidLane = 1;
        (, Task memory earlier) = _matchTask(5, 3);
        for (uint256 i = 0; i < 5; ++i) {
            _commit(earlier, i, keccak256("earlier"), 1);
        }
        for (uint256 i = 0; i < 5; ++i) {
            _reveal(earlier, i, keccak256("earlier"), 1);
        }
        for (uint256 i = 0; i < 5; ++i) {
            vm.prank(providers[i]);
            market.withdraw(address(usd), 1 * PRICE);
        }
        (, Task memory task) = _matchTask(5, 3);
        // Behaviour per provider: 0 honest, 1 lies, 2 silent, 3 commits but never reveals.
        uint256[5] memory kind;
        uint256 honest;
        for (uint256 i = 0; i < 5; ++i) {
            kind[i] = (behaviours >> (2 * i)) & 3;
            if (kind[i] == 0) ++honest;
        }
        uint256[5] memory sequence = _permutation(order);
        for (uint256 k = 0; k < 5; ++k) {
            uint256 i = sequence[k];
            if (kind[i] != 2) {
                _commit(task, i, kind[i] == 1 ? keccak256(abi.encode(i)) : keccak256("ok"), fuel);
            }
        }
        if (late) vm.warp(task.commitDeadline + 1);
        bool anyCommitMissing;
        for (uint256 i = 0; i < 5; ++i) {
            if (kind[i] == 2) anyCommitMissing = true;
        }
        if (anyCommitMissing && !late) vm.warp(task.commitDeadline + 1);
        for (uint256 k = 0; k < 5; ++k) {
            uint256 i = sequence[k];
            if (kind[i] == 0 || kind[i] == 1) {
                if (_status(task) != TaskStatus.Matched) break;
                _reveal(task, i, kind[i] == 1 ? keccak256(abi.encode(i)) : keccak256("ok"), fuel);
            }
        }
        if (_status(task) == TaskStatus.Matched) {
            vm.warp(task.revealDeadline + 1);
            _settler(task).finalize(_record(task), keccak256("ok"));
        }

        bool quorum = honest >= 3;
        assertEq(uint8(_status(task)), uint8(quorum ? TaskStatus.Finalized : TaskStatus.Failed));
        uint256 paidTotal;
        for (uint256 i = 0; i < 5; ++i) {
            uint256 expected = quorum && kind[i] == 0 ? uint256(fuel) * PRICE : 0;
            assertEq(_free(providers[i]), expected);
            paidTotal += expected;
            bool slashed = quorum ? kind[i] != 0 : kind[i] >= 2;
            assertEq(
                registry.providerOf(providers[i]).bonded, slashed ? STAKE - STAKE * SLASH_BPS / 10_000 : STAKE
            );
        }
        uint256 charged =
            paidTotal + paidTotal * PROTOCOL_FEE_BPS / 10_000 + paidTotal * MATCHER_FEE_BPS / 10_000;
        // The earlier task cost 5 x 1 fuel at PRICE; its fees round down to zero.
        assertEq(_free(client), CLIENT_FUNDS - 5 * PRICE - charged);
        assertEq(_locked(client), 0);
        IComputeMarket.FeePot memory pot = market.feesOf(matcher, address(usd));
        assertEq(
            usd.balanceOf(address(market)), _free(client) + paidTotal + pot.matcherFees + pot.protocolFees
        );
    }

    /// @notice Deposits and withdrawals of any size keep the escrow's balance equal to its books.
    function testFuzz_depositWithdraw(uint128 amount, uint128 withdrawn) public {
        amount = uint128(bound(amount, 1, type(uint120).max - CLIENT_FUNDS));
        withdrawn = uint128(bound(withdrawn, 1, amount));
        address account = makeAddr("fuzz-account");
        usd.mint(account, amount);
        vm.startPrank(account);
        usd.approve(address(market), amount);
        market.deposit(address(usd), account, amount);
        market.withdraw(address(usd), withdrawn);
        vm.stopPrank();
        assertEq(_free(account), amount - withdrawn);
        assertEq(usd.balanceOf(account), withdrawn);
        assertEq(usd.balanceOf(address(market)), CLIENT_FUNDS + amount - withdrawn);
    }

    function _permutation(uint256 seed) internal pure returns (uint256[5] memory sequence) {
        for (uint256 i = 0; i < 5; ++i) {
            sequence[i] = i;
        }
        for (uint256 i = 4; i > 0; --i) {
            uint256 j = uint256(keccak256(abi.encode(seed, i))) % (i + 1);
            (sequence[i], sequence[j]) = (sequence[j], sequence[i]);
        }
    }
}
