// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

import {Escrow} from "./Escrow.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";
import {IStorageMarket} from "./interfaces/IStorageMarket.sol";
import {SignatureLib} from "./libraries/SignatureLib.sol";
import {StorageOrderRules} from "./storage/StorageOrderRules.sol";
import {DealStatus, SlotState, StorageAsk, StorageBid} from "./types/StorageOrders.sol";

/// @title StorageMarket
/// @notice Storage deals: signed orders in, proofs of possession every period, payment per proven period.
/// @dev The stored bytes are cut into 64-byte segments, zero-padded at the end; leaf `i` is
/// `keccak256(segment i)` and the tree is padded with zero leaves to a power of two, so every proof has exactly
/// `depth` siblings (which also rules out passing an inner node off as a leaf). A segment is small because the
/// proof transaction pays for its calldata; 64 bytes keep one proof of a 64 MiB file near the calldata floor.
/// Gas design: a proof reads two words of the deal and the slot word, and writes the slot word only; payments
/// accrue in the slot as a count of proven periods and are paid out by `claim`, a miss, or `finish`.
contract StorageMarket is IStorageMarket, Escrow, EIP712 {
    uint16 public constant MAX_PROTOCOL_FEE_BPS = 1000;
    uint16 public constant MAX_MATCHER_FEE_BPS = 1000;
    uint24 public constant MIN_PERIOD_BLOCKS = 4;
    uint24 public constant MAX_PERIOD_BLOCKS = 1_000_000;
    uint16 public constant MIN_WINDOW_BLOCKS = 2;
    /// @notice `blockhash` reaches back 256 blocks; the challenge block must stay reachable through the window.
    uint16 public constant MAX_WINDOW_BLOCKS = 256;
    uint96 public constant MAX_MIN_STAKE = 1e9 ether;
    uint256 private constant BPS = 10_000;

    bytes32 internal constant RENEWAL_TYPEHASH =
        keccak256("StorageRenewal(uint256 dealId,uint32 fromPeriods,uint32 extraPeriods,uint64 deadline)");

    IProviderRegistry public immutable registry;
    /// @notice The stateless checks and terms of opening a deal, created with the market (see `StorageOrderRules`).
    StorageOrderRules public immutable orderRules;
    StorageParams internal _params;
    uint256 public dealCount;

    mapping(uint256 dealId => Deal) internal _deals;
    mapping(uint256 dealId => mapping(uint256 index => Slot)) internal _slots;
    mapping(uint256 dealId => mapping(uint256 index => uint256)) internal _repairRewards;
    /// @notice The provider whose missed proof emptied a slot that is being repaired: it may not repair it (it would
    /// win back the forfeited collateral it owes), and a deal that ends before the repair names it in the slot.
    mapping(uint256 dealId => mapping(uint256 index => address)) internal _missedBy;
    mapping(address client => mapping(uint64 nonce => bool)) internal _bidNonceUsed;
    mapping(address provider => mapping(uint64 nonce => uint256)) internal _askFills;

    constructor(IProviderRegistry registry_, address owner_, address treasury_, StorageParams memory params_)
        Ownable(owner_)
        Escrow(treasury_)
        EIP712("Agora Storage", "1")
    {
        registry = registry_;
        orderRules = new StorageOrderRules();
        _setParams(params_);
    }

    /// @inheritdoc IStorageMarket
    function matchDeal(
        StorageBid calldata bid,
        bytes calldata bidSignature,
        StorageAsk[] calldata asks,
        bytes[] calldata askSignatures,
        bytes[] calldata acceptances
    ) external returns (uint256 dealId) {
        (bytes32[] memory askHashes, Deal memory terms) = _checkOrders(bid, bidSignature, asks, acceptances);
        return _open(bid, asks, askSignatures, askHashes, terms);
    }

    /// @inheritdoc IStorageMarket
    function prove(uint256 dealId, uint256 index, bytes32[2] calldata segment, bytes32[] calldata siblings)
        external
    {
        Deal storage stored = _deals[dealId];
        Slot storage slotRef = _slots[dealId][index];
        Slot memory current = slotRef;
        if (current.provider != msg.sender || msg.sender == address(0)) {
            revert StorageNotSlotProvider(dealId, index, msg.sender);
        }
        // A slot has a provider only while its deal is active.
        uint256 period = current.nextPeriod;
        uint256 periodEnd = uint256(stored.startBlock) + (period + 1) * stored.periodBlocks;
        uint256 opensAt = periodEnd - stored.windowBlocks;
        if (block.number < opensAt) revert StorageProofTooEarly(dealId, index, period, opensAt);
        if (block.number >= periodEnd || period >= stored.periods) {
            revert StorageProofWindowClosed(dealId, index, period, periodEnd);
        }
        uint256 depth = stored.depth;
        if (siblings.length != depth) revert StorageWrongProofLength(siblings.length, depth);
        uint256 leafIndex = _challengedLeaf(blockhash(opensAt - 1), dealId, index, stored.leafCount);
        if (_rootOf(segment, siblings, leafIndex) != stored.root) {
            revert StorageInvalidProof(dealId, index, period);
        }

        unchecked {
            // Cannot overflow: both stay below `periods`, a uint32.
            slotRef.nextPeriod = uint32(period + 1);
            slotRef.earned = current.earned + 1;
            // Saturates: 2^24 - 1 periods outlast any deal by far.
            if (current.paidPeriods != type(uint24).max) slotRef.paidPeriods = current.paidPeriods + 1;
        }
        if (current.state == SlotState.Repaired) {
            slotRef.state = SlotState.Active;
            uint256 reward = _repairRewards[dealId][index];
            delete _repairRewards[dealId][index];
            _credit(stored.token, msg.sender, reward);
        }
        emit StorageProven(dealId, index, msg.sender, period, leafIndex);
    }

    /// @inheritdoc IStorageMarket
    function reportMissed(uint256 dealId, uint256 index) external {
        Deal memory terms = _activeDeal(dealId);
        Slot memory current = _slots[dealId][index];
        uint256 period = current.nextPeriod;
        if (
            (current.state != SlotState.Active && current.state != SlotState.Repaired)
                || period >= terms.periods || block.number < _periodEnd(terms, period)
        ) {
            revert StorageNotMissed(dealId, index);
        }
        _payEarned(dealId, index, terms, current);
        uint256 collateral = terms.collateral;
        uint256 compensation = collateral * _params.compensationBps / BPS;
        _repairRewards[dealId][index] += collateral - compensation;
        _missedBy[dealId][index] = current.provider;
        _moveSlot(_slots[dealId][index], address(0), period + 1, SlotState.Repairing);
        _credit(terms.token, terms.client, _unitCost(terms) + compensation);
        emit ProofMissed(dealId, index, current.provider, period, collateral, compensation);
    }

    /// @inheritdoc IStorageMarket
    function repair(uint256 dealId, uint256 index) external {
        Deal memory terms = _activeDeal(dealId);
        Slot memory current = _slots[dealId][index];
        if (current.state != SlotState.Repairing) {
            revert StorageSlotNotRepairable(dealId, index, current.state);
        }
        // The new provider starts with the next period, so it has the rest of this one to fetch the data.
        uint256 fromPeriod = _currentPeriod(terms) + 1;
        if (fromPeriod >= terms.periods) revert StorageTooLateToRepair(dealId, index);
        if (msg.sender == _missedBy[dealId][index]) {
            revert StorageRepairByFaultyProvider(dealId, index, msg.sender);
        }
        for (uint256 i = 0; i < terms.replicas; ++i) {
            if (_slots[dealId][i].provider == msg.sender) revert StorageDuplicateProvider(msg.sender);
        }
        address[] memory taker = new address[](1);
        taker[0] = msg.sender;
        registry.requireEligible(taker, _params.minStake);
        _debit(terms.token, msg.sender, terms.collateral);
        // The periods nobody stored are the client's again.
        uint256 refund = (fromPeriod - current.nextPeriod) * _unitCost(terms);
        _moveSlot(_slots[dealId][index], msg.sender, fromPeriod, SlotState.Repaired);
        _credit(terms.token, terms.client, refund);
        emit SlotRepaired(dealId, index, msg.sender, fromPeriod);
    }

    /// @inheritdoc IStorageMarket
    function claim(uint256 dealId, uint256 index) external returns (uint256 amount) {
        Deal memory terms = _activeDeal(dealId);
        Slot memory current = _slots[dealId][index];
        amount = _payEarned(dealId, index, terms, current);
        _slots[dealId][index].earned = 0;
    }

    /// @inheritdoc IStorageMarket
    function cancel(uint256 dealId) external {
        Deal memory terms = _activeDeal(dealId);
        if (msg.sender != terms.client) revert StorageNotClient(msg.sender, terms.client);
        uint256 periods = _currentPeriod(terms) + 1;
        if (periods >= terms.periods) revert StorageNothingToCancel(dealId);
        // Every slot's next period is at most the current one + 1, so the later periods are all unsettled.
        uint256 refund = (terms.periods - periods) * terms.replicas * _unitCost(terms);
        _deals[dealId].periods = uint32(periods);
        _credit(terms.token, terms.client, refund);
        emit DealCancelled(dealId, periods, refund);
    }

    /// @inheritdoc IStorageMarket
    function renew(uint256 dealId, uint32 extraPeriods, uint64 deadline, bytes[] calldata consents) external {
        Deal memory terms = _activeDeal(dealId);
        if (msg.sender != terms.client) revert StorageNotClient(msg.sender, terms.client);
        if (block.timestamp > deadline) revert StorageRenewalExpired(deadline);
        if (extraPeriods == 0 || block.number >= _periodEnd(terms, terms.periods - 1)) {
            revert StorageInvalidRenewal(dealId);
        }
        if (consents.length != terms.replicas) {
            revert StorageConsentCountMismatch(consents.length, terms.replicas);
        }
        // The consent names the length it extends, so it cannot be replayed for a second extension.
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(RENEWAL_TYPEHASH, dealId, terms.periods, extraPeriods, deadline))
        );
        for (uint256 i = 0; i < consents.length; ++i) {
            address provider = _slots[dealId][i].provider;
            if (provider != address(0) && !SignatureLib.isValidNow(provider, digest, consents[i])) {
                revert StorageInvalidSignature(provider);
            }
        }
        uint256 periods = uint256(terms.periods) + extraPeriods;
        if (periods > type(uint32).max) revert StorageAmountTooLarge(periods);
        uint256 cost = uint256(extraPeriods) * terms.replicas * _unitCost(terms);
        _debit(terms.token, terms.client, cost);
        _deals[dealId].periods = uint32(periods);
        emit DealRenewed(dealId, periods, cost);
    }

    /// @inheritdoc IStorageMarket
    function finish(uint256 dealId) external {
        Deal memory terms = _activeDeal(dealId);
        uint256 endsAt = _periodEnd(terms, terms.periods - 1);
        if (block.number < endsAt) revert StorageDealNotOver(dealId, endsAt);
        uint256 refund;
        for (uint256 i = 0; i < terms.replicas; ++i) {
            Slot memory current = _slots[dealId][i];
            _payEarned(dealId, i, terms, current);
            refund += (terms.periods - current.nextPeriod) * _unitCost(terms) + _repairRewards[dealId][i];
            delete _repairRewards[dealId][i];
            bool holding = current.state == SlotState.Active || current.state == SlotState.Repaired;
            if (holding && current.nextPeriod == terms.periods) {
                _credit(terms.token, current.provider, terms.collateral);
            } else if (holding) {
                // Missed its last periods: there is nothing left to repair, so all of the collateral is the
                // client's.
                refund += terms.collateral;
                emit ProofMissed(
                    dealId, i, current.provider, current.nextPeriod, terms.collateral, terms.collateral
                );
            }
            // The provider stays named: the deal's review (see `IReviews`) is about who held the slot at the end, or,
            // for a slot still empty after a missed proof, who emptied it.
            address named = current.state == SlotState.Repairing ? _missedBy[dealId][i] : current.provider;
            _moveSlot(_slots[dealId][i], named, terms.periods, SlotState.Closed);
        }
        _deals[dealId].status = DealStatus.Finished;
        _credit(terms.token, terms.client, refund);
        emit DealFinished(dealId, refund);
    }

    /// @inheritdoc IStorageMarket
    function cancelBid(uint64 nonce) external {
        if (_bidNonceUsed[msg.sender][nonce]) revert StorageNonceUsed(msg.sender, nonce);
        _bidNonceUsed[msg.sender][nonce] = true;
        emit StorageBidCancelled(msg.sender, nonce);
    }

    /// @inheritdoc IStorageMarket
    function cancelAsk(uint64 nonce) external {
        _askFills[msg.sender][nonce] = type(uint256).max;
        emit StorageAskCancelled(msg.sender, nonce);
    }

    /// @notice Sets the parameters, each within its hard bounds. Open deals keep the terms they opened with.
    function setParams(StorageParams calldata params_) external onlyOwner {
        _setParams(params_);
    }

    /// @inheritdoc IStorageMarket
    function deal(uint256 dealId) external view returns (Deal memory) {
        return _deals[dealId];
    }

    /// @inheritdoc IStorageMarket
    function slot(uint256 dealId, uint256 index) external view returns (Slot memory) {
        return _slots[dealId][index];
    }

    /// @inheritdoc IStorageMarket
    function challengeOf(uint256 dealId, uint256 index) external view returns (Challenge memory challenge) {
        Deal memory terms = _deals[dealId];
        if (terms.status == DealStatus.None) revert StorageUnknownDeal(dealId);
        challenge.period = _slots[dealId][index].nextPeriod;
        challenge.closesAt = _periodEnd(terms, challenge.period) - 1;
        challenge.opensAt = challenge.closesAt + 1 - terms.windowBlocks;
        if (block.number >= challenge.opensAt && block.number - challenge.opensAt < 256) {
            challenge.ready = true;
            challenge.leafIndex =
                _challengedLeaf(blockhash(challenge.opensAt - 1), dealId, index, terms.leafCount);
        }
    }

    /// @inheritdoc IStorageMarket
    function repairRewardOf(uint256 dealId, uint256 index) external view returns (uint256) {
        return _repairRewards[dealId][index];
    }

    /// @inheritdoc IStorageMarket
    function isBidNonceUsed(address client, uint64 nonce) external view returns (bool) {
        return _bidNonceUsed[client][nonce];
    }

    /// @inheritdoc IStorageMarket
    function askFills(address provider, uint64 nonce) external view returns (uint256) {
        return _askFills[provider][nonce];
    }

    /// @inheritdoc IStorageMarket
    function params() external view returns (StorageParams memory) {
        return _params;
    }

    /// @dev Checks the orders (the rules, the bid's signature unless its client sends it, each provider's
    /// acceptance); returns the asks' struct hashes and the deal's terms.
    function _checkOrders(
        StorageBid calldata bid,
        bytes calldata bidSignature,
        StorageAsk[] calldata asks,
        bytes[] calldata acceptances
    ) private view returns (bytes32[] memory askHashes, Deal memory terms) {
        address matcher;
        if (msg.sender != bid.client) {
            if (msg.sender != bid.matcher) revert StorageNotMatcher(msg.sender, bid.matcher);
            matcher = msg.sender;
        }
        bytes32 bidHash;
        (bidHash, askHashes, terms) = orderRules.check(bid, asks, _params, matcher);
        bytes32 digest = _hashTypedDataV4(bidHash);
        if (matcher != address(0) && !SignatureLib.isValidNow(bid.client, digest, bidSignature)) {
            revert StorageInvalidSignature(bid.client);
        }
        _requireAccepted(asks, digest, acceptances);
    }

    function _open(
        StorageBid calldata bid,
        StorageAsk[] calldata asks,
        bytes[] calldata askSignatures,
        bytes32[] memory askHashes,
        Deal memory terms
    ) private returns (uint256 dealId) {
        if (askSignatures.length != asks.length) {
            revert StorageAskCountMismatch(askSignatures.length, bid.replicas);
        }
        if (_bidNonceUsed[bid.client][bid.nonce]) revert StorageNonceUsed(bid.client, bid.nonce);
        _bidNonceUsed[bid.client][bid.nonce] = true;
        address[] memory providers = _takeAsks(asks, askSignatures, askHashes);
        registry.requireEligible(providers, _params.minStake);

        // Cannot overflow: every factor is bounded (uint128 amounts, uint32 periods, at most 16 replicas).
        _debit(bid.token, bid.client, _unitCost(terms) * bid.periods * bid.replicas);
        dealId = ++dealCount;
        _deals[dealId] = terms;
        for (uint256 i = 0; i < providers.length; ++i) {
            _debit(bid.token, providers[i], terms.collateral);
            _slots[dealId][i] = Slot({
                provider: providers[i], nextPeriod: 0, earned: 0, state: SlotState.Active, paidPeriods: 0
            });
        }
        emit DealOpened(dealId, bid.client, bid.root, bid.size, bid.cid, providers, terms);
    }

    /// @dev Hands the slot to `provider` from `nextPeriod` on with nothing earned; what it was paid stays counted.
    function _moveSlot(Slot storage slotRef, address provider, uint256 nextPeriod, SlotState state) private {
        slotRef.provider = provider;
        slotRef.nextPeriod = uint32(nextPeriod);
        slotRef.earned = 0;
        slotRef.state = state;
    }

    /// @dev Each ask's provider signed the bid itself (its EIP-712 digest `digest`), which its agent does only once
    /// the upload checked out against the bid's root and size: no collateral is at risk for data never received.
    function _requireAccepted(StorageAsk[] calldata asks, bytes32 digest, bytes[] calldata acceptances)
        private
        view
    {
        for (uint256 i = 0; i < asks.length; ++i) {
            address provider = asks[i].provider;
            if (i >= acceptances.length || !SignatureLib.isValidNow(provider, digest, acceptances[i])) {
                revert StorageNotAccepted(provider);
            }
        }
    }

    /// @dev Checks each ask's signature (over its struct hash in `askHashes`) and counts its fill; returns the
    /// providers, each once.
    function _takeAsks(StorageAsk[] calldata asks, bytes[] calldata askSignatures, bytes32[] memory askHashes)
        private
        returns (address[] memory providers)
    {
        providers = new address[](asks.length);
        for (uint256 i = 0; i < asks.length; ++i) {
            StorageAsk calldata ask = asks[i];
            address provider = ask.provider;
            for (uint256 j = 0; j < i; ++j) {
                if (providers[j] == provider) revert StorageDuplicateProvider(provider);
            }
            if (!SignatureLib.isValidNow(provider, _hashTypedDataV4(askHashes[i]), askSignatures[i])) {
                revert StorageInvalidSignature(provider);
            }
            uint256 fills = _askFills[provider][ask.nonce];
            if (fills >= ask.volume) revert StorageAskExhausted(provider, ask.nonce);
            // Cannot overflow: fills < volume <= type(uint32).max.
            unchecked {
                _askFills[provider][ask.nonce] = fills + 1;
            }
            providers[i] = provider;
        }
    }

    /// @dev Pays the slot's provider for its proven periods and accrues their fees; the caller resets `earned`.
    function _payEarned(uint256 dealId, uint256 index, Deal memory terms, Slot memory current)
        private
        returns (uint256 amount)
    {
        uint256 periods = current.earned;
        if (periods == 0) return 0;
        amount = periods * terms.payment;
        _credit(terms.token, current.provider, amount);
        _accrueFees(
            terms.matcher,
            terms.token,
            periods * (terms.payment * terms.matcherFeeBps / BPS),
            periods * (terms.payment * terms.protocolFeeBps / BPS)
        );
        emit EarningsClaimed(dealId, index, current.provider, periods, amount);
    }

    function _activeDeal(uint256 dealId) private view returns (Deal memory terms) {
        terms = _deals[dealId];
        if (terms.status == DealStatus.None) revert StorageUnknownDeal(dealId);
        if (terms.status == DealStatus.Finished) revert StorageDealFinished(dealId);
    }

    /// @dev What the client pays per replica per period: the provider's payment plus the fees on it.
    function _unitCost(Deal memory terms) private pure returns (uint256) {
        uint256 payment = terms.payment;
        return payment + payment * terms.protocolFeeBps / BPS + payment * terms.matcherFeeBps / BPS;
    }

    /// @dev The first block after `period`.
    function _periodEnd(Deal memory terms, uint256 period) private pure returns (uint256) {
        return uint256(terms.startBlock) + (period + 1) * terms.periodBlocks;
    }

    function _currentPeriod(Deal memory terms) private view returns (uint256) {
        return (block.number - terms.startBlock) / terms.periodBlocks;
    }

    function _challengedLeaf(bytes32 seed, uint256 dealId, uint256 index, uint256 leafCount)
        private
        pure
        returns (uint256)
    {
        return uint256(keccak256(abi.encode(seed, dealId, index))) % leafCount;
    }

    /// @dev The root that `segment` at `leafIndex` and its path lead to.
    function _rootOf(bytes32[2] calldata segment, bytes32[] calldata siblings, uint256 leafIndex)
        private
        pure
        returns (bytes32 node)
    {
        assembly ("memory-safe") {
            calldatacopy(0, segment, 0x40)
            node := keccak256(0, 0x40)
            for { let i := 0 } lt(i, siblings.length) { i := add(i, 1) } {
                let sibling := calldataload(add(siblings.offset, shl(5, i)))
                // Scratch space: the lower node goes first.
                switch and(shr(i, leafIndex), 1)
                case 0 {
                    mstore(0, node)
                    mstore(0x20, sibling)
                }
                default {
                    mstore(0, sibling)
                    mstore(0x20, node)
                }
                node := keccak256(0, 0x40)
            }
        }
    }

    function _setParams(StorageParams memory params_) private {
        _requireWithin("protocolFeeBps", params_.protocolFeeBps, 0, MAX_PROTOCOL_FEE_BPS);
        _requireWithin("matcherFeeBps", params_.matcherFeeBps, 0, MAX_MATCHER_FEE_BPS);
        _requireWithin("compensationBps", params_.compensationBps, 0, BPS);
        _requireWithin("periodBlocks", params_.periodBlocks, MIN_PERIOD_BLOCKS, MAX_PERIOD_BLOCKS);
        _requireWithin("windowBlocks", params_.windowBlocks, MIN_WINDOW_BLOCKS, MAX_WINDOW_BLOCKS);
        if (params_.windowBlocks >= params_.periodBlocks) {
            revert StorageParamOutOfBounds(
                "windowBlocks", params_.windowBlocks, MIN_WINDOW_BLOCKS, params_.periodBlocks - 1
            );
        }
        _requireWithin("minStake", params_.minStake, 1, MAX_MIN_STAKE);
        _params = params_;
        emit StorageParamsUpdated(params_);
    }

    function _requireWithin(bytes32 name, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert StorageParamOutOfBounds(name, value, min, max);
    }
}
