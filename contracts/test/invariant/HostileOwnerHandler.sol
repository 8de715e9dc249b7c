// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CommonBase} from "forge-std/Base.sol";
import {StdUtils} from "forge-std/StdUtils.sol";

import {ComputeMarket} from "../../src/ComputeMarket.sol";
import {ProviderRegistry} from "../../src/ProviderRegistry.sol";
import {ReplicaPool} from "../../src/ReplicaPool.sol";
import {IComputeMarket} from "../../src/interfaces/IComputeMarket.sol";
import {IProviderRegistry} from "../../src/interfaces/IProviderRegistry.sol";
import {TaskStatus} from "../../src/types/Orders.sol";
import {RevertingMirror} from "../ComputeAttacks.t.sol";
import {ScriptedVerifier} from "../utils/ScriptedVerifier.sol";
import {MarketHandler} from "./MarketHandler.sol";

/// @notice An owner with every owner power of the market and the registry, using them at random between the users'
/// moves (as the timelock would once a change's delay has passed). The invariants it runs under say what no such
/// owner can do: move or freeze escrow, block a settlement, or trap stake.
/// @dev Two powers are kept within bounds that leave the campaign meaningful: the minimum stake stays at most the
/// providers' stake and jail terms stay short, or every later match would be refused and the run would test nothing.
contract HostileOwnerHandler is CommonBase, StdUtils {
    ComputeMarket internal immutable market;
    ProviderRegistry internal immutable registry;
    address internal immutable owner;
    address internal immutable token;
    address internal immutable hostileMirror;
    address[] internal providers;
    uint96 internal immutable maxMinStake;

    uint256 public powersUsed;
    /// @dev The users' handler, whose open tasks the owner's own verifier goes after.
    MarketHandler internal immutable users;
    ScriptedVerifier internal immutable ownVerifier;
    uint8 internal ownMode;
    /// @dev Settlements the owner's verifier got the market to carry out: there must be none (no task is of its mode).
    uint256 public verifierSettlements;
    uint256 public verifierStrikes;

    constructor(
        ComputeMarket market_,
        ProviderRegistry registry_,
        address owner_,
        address token_,
        address[] memory providers_,
        uint96 maxMinStake_,
        MarketHandler users_
    ) {
        users = users_;
        ownVerifier = new ScriptedVerifier(market_);
        market = market_;
        registry = registry_;
        owner = owner_;
        token = token_;
        providers = providers_;
        maxMinStake = maxMinStake_;
        hostileMirror = address(new RevertingMirror());
    }

    function setMarketParams(
        uint16 protocolFee,
        uint16 matcherFee,
        uint32 commit,
        uint32 reveal,
        uint96 minStake
    ) external {
        IComputeMarket.MarketParams memory params = IComputeMarket.MarketParams({
            protocolFeeBps: uint16(bound(protocolFee, 0, market.MAX_PROTOCOL_FEE_BPS())),
            matcherFeeBps: uint16(bound(matcherFee, 0, market.MAX_MATCHER_FEE_BPS())),
            commitWindow: uint32(bound(commit, market.MIN_WINDOW(), market.MAX_COMMIT_WINDOW())),
            revealWindow: uint32(bound(reveal, market.MIN_WINDOW(), market.MAX_REVEAL_WINDOW())),
            minStake: uint96(bound(minStake, 1, maxMinStake))
        });
        vm.prank(owner);
        market.setParams(params);
        ++powersUsed;
    }

    function setRegistryParams(uint32 unbonding, uint16 slashBps, uint32 jail) external {
        IProviderRegistry.RegistryParams memory params = IProviderRegistry.RegistryParams({
            unbondingPeriod: uint32(
                bound(unbonding, registry.MIN_UNBONDING_PERIOD(), registry.MAX_UNBONDING_PERIOD())
            ),
            slashBps: uint16(bound(slashBps, 1, registry.MAX_SLASH_BPS())),
            jailDuration: uint32(bound(jail, 0, 1 hours))
        });
        vm.prank(owner);
        registry.setParams(params);
        ++powersUsed;
    }

    function toggleSlasher(bool allowed) external {
        vm.prank(owner);
        registry.setSlasher(address(market), allowed);
        ++powersUsed;
    }

    function toggleHostileMirror(bool added) external {
        vm.prank(owner);
        registry.setMirror(hostileMirror, added);
        ++powersUsed;
    }

    function setTreasuries(address treasury) external {
        if (treasury == address(0)) treasury = address(1);
        vm.prank(owner);
        registry.setTreasury(treasury);
        vm.prank(owner);
        market.setTreasury(treasury);
        ++powersUsed;
    }

    function toggleToken(bool allowed) external {
        vm.prank(owner);
        market.setTokenAllowed(token, allowed);
        ++powersUsed;
    }

    /// @notice Any seat stake, in bounds: it reweighs draws, but cannot seat a non-member or move money.
    function setSeatStake(uint96 seatStake) external {
        seatStake = uint96(bound(seatStake, 1, 100_000 ether));
        // Read first: a call in the target expression would take the prank meant for the owner's call.
        ReplicaPool pool = ReplicaPool(address(market.pool()));
        vm.prank(owner);
        pool.setSeatStake(seatStake);
        ++powersUsed;
    }

    function jail(uint256 providerSeed, uint40 forSeconds) external {
        address provider = providers[bound(providerSeed, 0, providers.length - 1)];
        vm.prank(owner);
        registry.jail(provider, uint40(block.timestamp + bound(forSeconds, 0, 1 hours)));
        ++powersUsed;
    }

    /// @notice Installs a verifier of its own, for the next free mode (installing is once per mode).
    function installVerifier(uint8 mode) external {
        mode = uint8(bound(mode, 1, 31));
        if (market.verifierOf(mode) != address(0) || ownMode != 0) return;
        vm.prank(owner);
        market.installVerifier(mode, address(ownVerifier));
        ownMode = mode;
        ++powersUsed;
    }

    /// @notice Through its verifier, tries to settle an open task of the users: paying every seat the whole lock
    /// and slashing nobody, or failing it and slashing everyone.
    function strikeWithVerifier(uint256 index, bool pay) external {
        uint256 count = users.taskCount();
        if (ownMode == 0 || count == 0) return;
        bytes memory record = users.recordAt(bound(index, 0, count - 1));
        IComputeMarket.Verdict memory verdict = pay
            ? IComputeMarket.Verdict(TaskStatus.Finalized, 1, 0, 1_000_000, keccak256("owner"))
            : IComputeMarket.Verdict(TaskStatus.Failed, 0, 7, 0, bytes32(0));
        ++verifierStrikes;
        try ownVerifier.decide(record, verdict) {
            ++verifierSettlements;
        } catch {}
    }
}
