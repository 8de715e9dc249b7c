// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";

import {StorageMarket} from "../../src/StorageMarket.sol";
import {IStorageMarket} from "../../src/interfaces/IStorageMarket.sol";
import {DealStatus, SlotState, StorageAsk, StorageBid} from "../../src/types/StorageOrders.sol";
import {StorageDigests} from "../utils/StorageDigests.sol";

/// @notice Drives the storage market through random but valid sequences: deals open, providers prove or go
/// silent (and a liar sends a wrong segment), misses are reported, slots repaired, earnings claimed, deals
/// cancelled, renewed and finished, blocks pass. Ghost books record what the proofs earned.
contract StorageHandler is CommonBase, StdCheats, StdUtils {
    using StorageDigests for StorageMarket;

    StorageMarket internal immutable market;
    address internal immutable token;
    address internal immutable client;
    uint256 internal immutable clientKey;
    address internal immutable matcher;
    address[] internal providers;
    uint256[] internal providerKeys;
    bytes32[2][] internal segments;
    bytes32[][] internal levels;
    bytes32 internal root;
    uint64 internal size;
    uint64 internal nonce;

    // Ghost books.
    mapping(address provider => uint256) public provenPeriods;
    mapping(address provider => uint256) public paidPeriods;
    mapping(uint256 dealId => mapping(uint256 index => mapping(uint256 period => bool))) internal _proven;
    uint256 public periodsProvenTwice;
    uint256 public invalidProofsAccepted;
    uint256 public proofs;
    /// @dev How often each money path ran, so a run that never reached one shows in the call summary.
    uint256 public misses;
    uint256 public repairs;
    uint256 public claims;
    uint256 public cancels;
    uint256 public renewals;
    uint256 public finishes;
    /// @dev Deals a client opened without its providers' acceptance (it never uploaded): there must be none.
    uint256 public unacceptedDeals;
    uint256 public withheldTried;

    constructor(
        StorageMarket market_,
        address token_,
        address client_,
        uint256 clientKey_,
        address matcher_,
        address[] memory providers_,
        uint256[] memory providerKeys_,
        bytes32[2][] memory segments_,
        bytes32[][] memory levels_,
        uint64 size_
    ) {
        market = market_;
        token = token_;
        client = client_;
        clientKey = clientKey_;
        matcher = matcher_;
        providers = providers_;
        providerKeys = providerKeys_;
        for (uint256 i = 0; i < segments_.length; ++i) {
            segments.push(segments_[i]);
        }
        for (uint256 i = 0; i < levels_.length; ++i) {
            levels.push(levels_[i]);
        }
        root = levels_[levels_.length - 1][0];
        size = size_;
    }

    function providerCount() external view returns (uint256) {
        return providers.length;
    }

    function providerAt(uint256 i) external view returns (address) {
        return providers[i];
    }

    function open(uint256 replicasSeed, uint256 periodsSeed, uint256 firstSeed) external {
        uint8 replicas = uint8(bound(replicasSeed, 1, 3));
        uint256 first = bound(firstSeed, 0, providers.length - 1);
        (StorageBid memory bid, StorageAsk[] memory asks, bytes[] memory signatures) =
            _orders(replicas, uint32(bound(periodsSeed, 1, 12)), first);
        bytes32 digest = market.hashBid(bid);
        bytes memory bidSignature = _sign(clientKey, digest);
        bytes[] memory acceptances = new bytes[](replicas);
        for (uint256 i = 0; i < replicas; ++i) {
            acceptances[i] = _sign(providerKeys[(first + i) % providers.length], digest);
        }
        vm.prank(matcher);
        market.matchDeal(bid, bidSignature, asks, signatures, acceptances);
    }

    /// @notice A client that never uploads opens a deal on the providers' standing asks: without acceptances, with
    /// acceptances it forged, or with the one a provider gave another of its bids. No such deal may open.
    function openWithoutUpload(uint256 firstSeed, uint256 howSeed) external {
        uint256 first = bound(firstSeed, 0, providers.length - 1);
        (StorageBid memory bid, StorageAsk[] memory asks, bytes[] memory signatures) = _orders(1, 4, first);
        bytes[] memory acceptances = new bytes[](howSeed % 3 == 0 ? 0 : 1);
        if (howSeed % 3 == 1) acceptances[0] = _sign(clientKey, market.hashBid(bid));
        if (howSeed % 3 == 2) {
            uint64 original = bid.nonce;
            bid.nonce = original + 1_000_000; // another bid, whose data the provider did receive
            acceptances[0] = _sign(providerKeys[first], market.hashBid(bid));
            bid.nonce = original;
        }
        ++withheldTried;
        vm.prank(client);
        try market.matchDeal(bid, "", asks, signatures, acceptances) {
            ++unacceptedDeals;
        } catch {}
    }

    function _orders(uint8 replicas, uint32 periods, uint256 first)
        internal
        returns (StorageBid memory bid, StorageAsk[] memory asks, bytes[] memory signatures)
    {
        bid = StorageBid({
            client: client,
            token: token,
            root: root,
            size: size,
            cid: hex"0155",
            periods: periods,
            replicas: replicas,
            maxPricePerGiBPeriod: 5e12,
            collateralPerGiB: 1e14,
            deadline: uint64(block.timestamp + 1 hours),
            nonce: ++nonce,
            matcher: matcher
        });
        asks = new StorageAsk[](replicas);
        signatures = new bytes[](replicas);
        for (uint256 i = 0; i < replicas; ++i) {
            uint256 p = (first + i) % providers.length;
            asks[i] = StorageAsk({
                provider: providers[p],
                token: token,
                pricePerGiBPeriod: 5e12,
                maxCollateralPerGiB: 1e14,
                maxBytes: 1 << 30,
                maxPeriods: 100,
                volume: 1,
                expiry: uint64(block.timestamp + 1 hours),
                nonce: nonce
            });
            signatures[i] = _sign(providerKeys[p], market.hashAsk(asks[i]));
        }
    }

    function prove(uint256 dealSeed, uint256 indexSeed, bool lie) external {
        (uint256 dealId, uint256 index, bool found) = _pick(dealSeed, indexSeed);
        if (!found) return;
        IStorageMarket.Slot memory slot = market.slot(dealId, index);
        if (slot.provider == address(0)) return;
        IStorageMarket.Challenge memory challenge = market.challengeOf(dealId, index);
        // An honest provider waits for its window.
        if (block.number < challenge.opensAt) {
            vm.roll(challenge.opensAt);
            challenge = market.challengeOf(dealId, index);
        }
        if (!challenge.ready || block.number > challenge.closesAt) return;
        uint256 leaf = challenge.leafIndex;
        bytes32[2] memory segment = segments[lie ? (leaf + 1) % segments.length : leaf];
        vm.prank(slot.provider);
        try market.prove(dealId, index, segment, _proofOf(leaf)) {
            if (lie) ++invalidProofsAccepted;
            if (_proven[dealId][index][challenge.period]) ++periodsProvenTwice;
            _proven[dealId][index][challenge.period] = true;
            ++provenPeriods[slot.provider];
            ++proofs;
        } catch {}
    }

    function reportMissed(uint256 dealSeed, uint256 indexSeed) external {
        (uint256 dealId, uint256 index, bool found) = _pick(dealSeed, indexSeed);
        if (!found) return;
        IStorageMarket.Slot memory slot = market.slot(dealId, index);
        // The provider goes silent: time passes to the end of its window.
        if (slot.provider != address(0) && market.deal(dealId).status == DealStatus.Active) {
            uint256 closesAt = market.challengeOf(dealId, index).closesAt;
            if (block.number <= closesAt && closesAt - block.number < 200) vm.roll(closesAt + 1);
        }
        try market.reportMissed(dealId, index) {
            paidPeriods[slot.provider] += slot.earned;
            ++misses;
        } catch {}
    }

    function repair(uint256 dealSeed, uint256 indexSeed, uint256 providerSeed) external {
        (uint256 dealId, uint256 index, bool found) = _pick(dealSeed, indexSeed);
        if (!found) return;
        // A provider that holds no slot of the deal, starting from a random one.
        uint256 start = bound(providerSeed, 0, providers.length - 1);
        address taker = providers[start];
        for (uint256 i = 0; i < providers.length; ++i) {
            taker = providers[(start + i) % providers.length];
            if (!_holds(dealId, taker)) break;
        }
        vm.prank(taker);
        try market.repair(dealId, index) {
            ++repairs;
        } catch {}
    }

    function claim(uint256 dealSeed, uint256 indexSeed) external {
        (uint256 dealId, uint256 index, bool found) = _pick(dealSeed, indexSeed);
        if (!found) return;
        IStorageMarket.Slot memory slot = market.slot(dealId, index);
        try market.claim(dealId, index) {
            paidPeriods[slot.provider] += slot.earned;
            ++claims;
        } catch {}
    }

    function cancel(uint256 dealSeed) external {
        (uint256 dealId,, bool found) = _pick(dealSeed, 0);
        if (!found) return;
        vm.prank(client);
        try market.cancel(dealId) {
            ++cancels;
        } catch {}
    }

    function renew(uint256 dealSeed, uint256 extraSeed) external {
        (uint256 dealId,, bool found) = _pick(dealSeed, 0);
        if (!found) return;
        IStorageMarket.Deal memory deal = market.deal(dealId);
        if (deal.status != DealStatus.Active) return;
        uint32 extra = uint32(bound(extraSeed, 1, 3));
        uint64 deadline = uint64(block.timestamp + 1 hours);
        bytes32 digest = market.hashRenewal(dealId, deal.periods, extra, deadline);
        bytes[] memory consents = new bytes[](deal.replicas);
        for (uint256 i = 0; i < deal.replicas; ++i) {
            address provider = market.slot(dealId, i).provider;
            if (provider != address(0)) consents[i] = _sign(_keyOf(provider), digest);
        }
        vm.prank(client);
        try market.renew(dealId, extra, deadline, consents) {
            ++renewals;
        } catch {}
    }

    function finish(uint256 dealSeed) external {
        (uint256 dealId,, bool found) = _pick(dealSeed, 0);
        if (!found) return;
        finishDeal(dealId);
    }

    function finishDeal(uint256 dealId) public {
        IStorageMarket.Deal memory deal = market.deal(dealId);
        IStorageMarket.Slot[] memory before = new IStorageMarket.Slot[](deal.replicas);
        for (uint256 i = 0; i < deal.replicas; ++i) {
            before[i] = market.slot(dealId, i);
        }
        try market.finish(dealId) {
            ++finishes;
            for (uint256 i = 0; i < before.length; ++i) {
                paidPeriods[before[i].provider] += before[i].earned;
            }
        } catch {}
    }

    function roll(uint256 blocksSeed) external {
        vm.roll(block.number + bound(blocksSeed, 1, 40));
        vm.warp(block.timestamp + 12);
    }

    function _pick(uint256 dealSeed, uint256 indexSeed)
        internal
        view
        returns (uint256 dealId, uint256 index, bool found)
    {
        uint256 count = market.dealCount();
        if (count == 0) return (0, 0, false);
        dealId = bound(dealSeed, 1, count);
        index = bound(indexSeed, 0, market.deal(dealId).replicas - 1);
        found = true;
    }

    function _holds(uint256 dealId, address provider) internal view returns (bool) {
        uint256 replicas = market.deal(dealId).replicas;
        for (uint256 i = 0; i < replicas; ++i) {
            if (market.slot(dealId, i).provider == provider) return true;
        }
        return false;
    }

    function _keyOf(address provider) internal view returns (uint256) {
        for (uint256 i = 0; i < providers.length; ++i) {
            if (providers[i] == provider) return providerKeys[i];
        }
        revert("unknown provider");
    }

    function _proofOf(uint256 leafIndex) internal view returns (bytes32[] memory siblings) {
        siblings = new bytes32[](levels.length - 1);
        for (uint256 i = 0; i < siblings.length; ++i) {
            siblings[i] = levels[i][(leafIndex >> i) ^ 1];
        }
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }
}
