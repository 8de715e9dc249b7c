// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";

import {AgoraToken} from "../../src/AgoraToken.sol";
import {ProviderRegistry} from "../../src/ProviderRegistry.sol";
import {StorageMarket} from "../../src/StorageMarket.sol";
import {TestStablecoin} from "../../src/dev/TestStablecoin.sol";
import {IEscrow} from "../../src/interfaces/IEscrow.sol";
import {IProviderRegistry} from "../../src/interfaces/IProviderRegistry.sol";
import {IStorageMarket} from "../../src/interfaces/IStorageMarket.sol";
import {DealStatus, SlotState, StorageAsk, StorageBid} from "../../src/types/StorageOrders.sol";
import {StorageDigests} from "./StorageDigests.sol";

/// @notice Deploys the real registry and storage market, gives tests funded, staked, signing actors, and builds
/// real Merkle trees over test files so proofs are the ones a provider would send.
abstract contract StorageFixture is Test {
    using StorageDigests for StorageMarket;

    uint96 internal constant MIN_STAKE = 1000 ether;
    uint96 internal constant STAKE = 10_000 ether;
    uint16 internal constant PROTOCOL_FEE_BPS = 100;
    uint16 internal constant MATCHER_FEE_BPS = 50;
    uint16 internal constant COMPENSATION_BPS = 5000;
    uint24 internal constant PERIOD_BLOCKS = 100;
    uint16 internal constant WINDOW_BLOCKS = 20;
    uint256 internal constant PRICE = 5e12; // tUSD base units per GiB per period: ~11,000 per period for the test file
    uint256 internal constant COLLATERAL = 1e14; // per GiB: ~220,000 for the test file
    uint256 internal constant FUNDS = 1_000_000e6;
    uint256 internal constant SEGMENTS = 37; // a file of 37 segments: tree of depth 6, padded
    /// @dev Resources: 8 cores, 16 GiB, region 1.
    uint256 internal constant RESOURCES = 8 | (16_384 << 16) | (1 << 88);
    bytes internal constant CID =
        hex"01551220a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447";
    bytes internal constant METADATA_CID =
        hex"01551220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    address internal owner = makeAddr("owner");
    address internal treasury = makeAddr("treasury");
    address internal matcher = makeAddr("matcher");
    address internal client;
    uint256 internal clientKey;
    address[] internal providers;
    uint256[] internal providerKeys;

    AgoraToken internal agora;
    TestStablecoin internal usd;
    ProviderRegistry internal registry;
    StorageMarket internal market;

    uint64 internal nextBidNonce = 1;
    mapping(address provider => uint256) internal keyOf;
    mapping(address => uint64) internal nextAskNonce;

    /// @dev The test file: its segments and every level of its tree, leaves first.
    bytes32[2][] internal segments;
    bytes32[][] internal levels;

    function setUp() public virtual {
        agora = new AgoraToken(address(this), 1e9 ether);
        usd = new TestStablecoin();
        registry = new ProviderRegistry(
            agora,
            owner,
            treasury,
            IProviderRegistry.RegistryParams({unbondingPeriod: 7 days, slashBps: 1000, jailDuration: 1 days})
        );
        market = new StorageMarket(registry, owner, treasury, _params());
        vm.startPrank(owner);
        market.setTokenAllowed(address(usd), true);
        vm.stopPrank();

        (client, clientKey) = makeAddrAndKey("client");
        _fund(client, FUNDS);
        for (uint256 i = 0; i < 5; ++i) {
            (address provider, uint256 key) = makeAddrAndKey(string.concat("provider", vm.toString(i)));
            providers.push(provider);
            providerKeys.push(key);
            keyOf[provider] = key;
            _fund(provider, FUNDS);
            agora.transfer(provider, STAKE);
            vm.startPrank(provider);
            registry.register(RESOURCES, METADATA_CID);
            agora.approve(address(registry), STAKE);
            registry.stake(STAKE);
            vm.stopPrank();
        }
        _buildFile(SEGMENTS);
    }

    function _params() internal pure returns (IStorageMarket.StorageParams memory) {
        return IStorageMarket.StorageParams({
            protocolFeeBps: PROTOCOL_FEE_BPS,
            matcherFeeBps: MATCHER_FEE_BPS,
            compensationBps: COMPENSATION_BPS,
            periodBlocks: PERIOD_BLOCKS,
            windowBlocks: WINDOW_BLOCKS,
            minStake: MIN_STAKE
        });
    }

    function _fund(address account, uint256 amount) internal {
        usd.mint(account, amount);
        vm.startPrank(account);
        usd.approve(address(market), amount);
        market.deposit(address(usd), account, amount);
        vm.stopPrank();
    }

    /// @dev Builds a file of `count` pseudo-random segments and its tree, padded with zero leaves.
    function _buildFile(uint256 count) internal {
        delete segments;
        delete levels;
        uint256 width = 1;
        while (width < count) width <<= 1;
        bytes32[] memory level = new bytes32[](width);
        for (uint256 i = 0; i < count; ++i) {
            bytes32[2] memory segment = [keccak256(abi.encode("a", i)), keccak256(abi.encode("b", i))];
            segments.push(segment);
            level[i] = keccak256(abi.encodePacked(segment[0], segment[1]));
        }
        levels.push(level);
        while (level.length > 1) {
            bytes32[] memory up = new bytes32[](level.length / 2);
            for (uint256 i = 0; i < up.length; ++i) {
                up[i] = keccak256(abi.encodePacked(level[2 * i], level[2 * i + 1]));
            }
            levels.push(up);
            level = up;
        }
    }

    function _root() internal view returns (bytes32) {
        return levels[levels.length - 1][0];
    }

    function _size() internal view returns (uint64) {
        // The last segment is partly padding: a size that is not a multiple of 64.
        return uint64(segments.length * 64 - 10);
    }

    function _proofOf(uint256 leafIndex) internal view returns (bytes32[] memory siblings) {
        siblings = new bytes32[](levels.length - 1);
        for (uint256 i = 0; i < siblings.length; ++i) {
            siblings[i] = levels[i][(leafIndex >> i) ^ 1];
        }
    }

    function _bid(uint8 replicas, uint32 periods) internal returns (StorageBid memory bid) {
        bid = StorageBid({
            client: client,
            token: address(usd),
            root: _root(),
            size: _size(),
            cid: CID,
            periods: periods,
            replicas: replicas,
            maxPricePerGiBPeriod: PRICE,
            collateralPerGiB: COLLATERAL,
            deadline: uint64(block.timestamp + 1 hours),
            nonce: nextBidNonce++,
            matcher: matcher
        });
    }

    function _ask(uint256 providerIndex) internal returns (StorageAsk memory) {
        address provider = providers[providerIndex];
        return StorageAsk({
            provider: provider,
            token: address(usd),
            pricePerGiBPeriod: PRICE,
            maxCollateralPerGiB: COLLATERAL,
            maxBytes: 1 << 40,
            maxPeriods: 1000,
            volume: 100,
            expiry: uint64(block.timestamp + 1 hours),
            nonce: ++nextAskNonce[provider]
        });
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Each ask's provider accepts the bid, signing its digest as its agent does once the upload checked out.
    function _accepted(StorageBid memory bid, StorageAsk[] memory asks)
        internal
        view
        returns (bytes[] memory accepted)
    {
        bytes32 digest = market.hashBid(bid);
        accepted = new bytes[](asks.length);
        for (uint256 i = 0; i < asks.length; ++i) {
            accepted[i] = _sign(keyOf[asks[i].provider], digest);
        }
    }

    function _signedAsks(uint256 count)
        internal
        returns (StorageAsk[] memory asks, bytes[] memory signatures)
    {
        asks = new StorageAsk[](count);
        signatures = new bytes[](count);
        for (uint256 i = 0; i < count; ++i) {
            asks[i] = _ask(i);
            signatures[i] = _sign(providerKeys[i], market.hashAsk(asks[i]));
        }
    }

    function _openDeal(uint8 replicas, uint32 periods) internal returns (uint256 dealId) {
        StorageBid memory bid = _bid(replicas, periods);
        (StorageAsk[] memory asks, bytes[] memory signatures) = _signedAsks(replicas);
        bytes memory bidSignature = _sign(clientKey, market.hashBid(bid));
        vm.prank(matcher);
        dealId = market.matchDeal(bid, bidSignature, asks, signatures, _accepted(bid, asks));
    }

    /// @dev Rolls into the proof window of the slot's next period.
    function _rollToWindow(uint256 dealId, uint256 index) internal {
        IStorageMarket.Challenge memory challenge = market.challengeOf(dealId, index);
        if (block.number < challenge.opensAt) vm.roll(challenge.opensAt);
    }

    /// @dev Rolls into the window and proves the slot's next period with a real proof.
    function _prove(uint256 dealId, uint256 index) internal {
        _rollToWindow(dealId, index);
        IStorageMarket.Challenge memory challenge = market.challengeOf(dealId, index);
        address provider = market.slot(dealId, index).provider;
        vm.prank(provider);
        market.prove(dealId, index, segments[challenge.leafIndex], _proofOf(challenge.leafIndex));
    }

    function _free(address account) internal view returns (uint256) {
        return market.balanceOf(address(usd), account).free;
    }

    /// @dev Payment per period per replica for the test file at PRICE.
    function _payment() internal view returns (uint256) {
        return (PRICE * _size() + (1 << 30) - 1) >> 30;
    }

    function _collateral() internal view returns (uint256) {
        return (COLLATERAL * _size() + (1 << 30) - 1) >> 30;
    }

    function _unit(bool withMatcher) internal view returns (uint256) {
        uint256 payment = _payment();
        return payment + payment * PROTOCOL_FEE_BPS / 10_000
            + (withMatcher ? payment * MATCHER_FEE_BPS / 10_000 : 0);
    }

    /// @dev The escrow's books: every actor's balances, the fee pot, and what open deals hold.
    /// @dev What the market still holds for a deal, from its public state: unsettled payments with their fees,
    /// collateral of the slots that still have it, and repair rewards. Balance = escrow balances + this over deals.
    function _heldBy(uint256 dealId) internal view returns (uint256 held) {
        IStorageMarket.Deal memory terms = market.deal(dealId);
        if (terms.status != DealStatus.Active) return 0;
        uint256 payment = terms.payment;
        uint256 unit =
            payment + payment * terms.protocolFeeBps / 10_000 + payment * terms.matcherFeeBps / 10_000;
        for (uint256 i = 0; i < terms.replicas; ++i) {
            IStorageMarket.Slot memory current = market.slot(dealId, i);
            held += (terms.periods - current.nextPeriod + current.earned) * unit
                + market.repairRewardOf(dealId, i);
            if (current.state == SlotState.Active || current.state == SlotState.Repaired) {
                held += terms.collateral;
            }
        }
    }

    function _books() internal view returns (uint256 sum) {
        sum += _free(client) + _free(matcher) + _free(treasury);
        for (uint256 i = 0; i < providers.length; ++i) {
            sum += _free(providers[i]);
        }
        IEscrow.FeePot memory fees = market.feesOf(matcher, address(usd));
        sum += fees.matcherFees + fees.protocolFees;
        fees = market.feesOf(address(0), address(usd));
        sum += fees.matcherFees + fees.protocolFees;
        for (uint256 id = 1; id <= market.dealCount(); ++id) {
            sum += _heldBy(id);
        }
    }
}
