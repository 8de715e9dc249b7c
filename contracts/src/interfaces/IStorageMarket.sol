// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {DealStatus, SlotState, StorageAsk, StorageBid} from "../types/StorageOrders.sol";
import {IEscrow} from "./IEscrow.sol";

/// @title Storage market: deals matched from signed orders, paid period by period against proofs.
/// @notice A matcher (or the client itself) matches a client's signed bid with one signed ask per replica. The
/// client's escrow pays `periods * replicas` period payments plus fees up front; each provider locks collateral.
/// Periods are counted in blocks. In the last `windowBlocks` of each period a replica's provider answers a
/// challenge derived from the hash of the block just before the window: one 64-byte segment of the stored bytes
/// and its Merkle path to the deal's root. A valid proof earns the period's payment (claimed with `claim`). A
/// missed period is refunded to the client, the provider's collateral is forfeited (part compensates the
/// client, the rest rewards whoever repairs the slot) and any eligible provider may take the slot over. The
/// client may cancel (later periods refunded) or renew with its providers' consent; after the last period
/// anyone finishes the deal, which pays and returns everything still held.
interface IStorageMarket is IEscrow {
    /// @notice Governance-owned parameters, each with hard bounds (see `MAX_*`/`MIN_*`).
    struct StorageParams {
        uint16 protocolFeeBps;
        uint16 matcherFeeBps;
        /// @notice Share of a forfeited collateral paid to the client; the rest rewards the repair.
        uint16 compensationBps;
        uint24 periodBlocks;
        uint16 windowBlocks;
        /// @notice Stake a provider needs in the registry to be matched here or to repair a slot.
        uint96 minStake;
    }

    /// @notice A deal's terms and schedule, as stored.
    struct Deal {
        uint40 startBlock;
        uint24 periodBlocks;
        uint16 windowBlocks;
        uint32 periods;
        uint48 leafCount;
        uint8 depth;
        uint8 replicas;
        DealStatus status;
        bytes32 root;
        address client;
        uint16 protocolFeeBps;
        uint16 matcherFeeBps;
        address token;
        address matcher;
        /// @notice What a provider earns per proven period.
        uint128 payment;
        /// @notice What each provider locks; forfeited on a missed proof.
        uint128 collateral;
    }

    /// @notice One replica of a deal. `nextPeriod` is the first period not yet proven or refunded; `earned`
    /// counts proven periods not yet paid out; `paidPeriods` counts every period the client paid this slot for (a
    /// proven one, whoever held the slot), which is what the deal's review of the slot weighs.
    struct Slot {
        address provider;
        uint32 nextPeriod;
        uint32 earned;
        SlotState state;
        uint24 paidPeriods;
    }

    /// @notice The challenge of a slot's next period.
    struct Challenge {
        uint256 period;
        /// @notice First block at which a proof is accepted; the leaf is known once this block exists.
        uint256 opensAt;
        /// @notice Last block at which a proof is accepted.
        uint256 closesAt;
        /// @notice The challenged segment's index, valid when `ready`.
        uint256 leafIndex;
        bool ready;
    }

    error StorageBidExpired(uint64 deadline);
    error StorageAskExpired(address provider, uint64 expiry);
    error StorageInvalidSignature(address signer);
    error StorageNonceUsed(address client, uint64 nonce);
    error StorageInvalidBid();
    error StorageInvalidReplicas(uint8 replicas);
    error StorageAskCountMismatch(uint256 asks, uint8 replicas);
    error StorageTokenMismatch(address provider, address askToken, address bidToken);
    error StoragePriceTooHigh(address provider, uint256 askPrice, uint256 maxPrice);
    error StorageCollateralTooHigh(address provider, uint256 collateralPerGiB, uint256 maxCollateralPerGiB);
    error StorageTooLarge(address provider, uint64 size, uint64 maxBytes);
    error StorageTooLong(address provider, uint32 periods, uint32 maxPeriods);
    error StorageDuplicateProvider(address provider);
    error StorageAskExhausted(address provider, uint64 nonce);
    error StorageAmountTooLarge(uint256 amount);
    error StorageNotClient(address caller, address client);
    error StorageNotMatcher(address caller, address matcher);
    error StorageNotAccepted(address provider);
    error StorageUnknownDeal(uint256 dealId);
    error StorageDealFinished(uint256 dealId);
    error StorageNotSlotProvider(uint256 dealId, uint256 index, address caller);
    error StorageProofTooEarly(uint256 dealId, uint256 index, uint256 period, uint256 opensAt);
    error StorageProofWindowClosed(uint256 dealId, uint256 index, uint256 period, uint256 closedAt);
    error StorageInvalidProof(uint256 dealId, uint256 index, uint256 period);
    error StorageWrongProofLength(uint256 length, uint256 depth);
    error StorageNotMissed(uint256 dealId, uint256 index);
    error StorageSlotNotRepairable(uint256 dealId, uint256 index, SlotState state);
    error StorageTooLateToRepair(uint256 dealId, uint256 index);
    error StorageRepairByFaultyProvider(uint256 dealId, uint256 index, address provider);
    error StorageDealNotOver(uint256 dealId, uint256 endsAt);
    error StorageNothingToCancel(uint256 dealId);
    error StorageRenewalExpired(uint64 deadline);
    error StorageInvalidRenewal(uint256 dealId);
    error StorageConsentCountMismatch(uint256 consents, uint8 replicas);
    error StorageParamOutOfBounds(bytes32 param, uint256 value, uint256 min, uint256 max);

    /// @notice A deal was opened: everything a provider, an indexer or the client needs to follow it.
    event DealOpened(
        uint256 indexed dealId,
        address indexed client,
        bytes32 root,
        uint64 size,
        bytes cid,
        address[] providers,
        Deal deal
    );
    event StorageProven(
        uint256 indexed dealId,
        uint256 indexed index,
        address indexed provider,
        uint256 period,
        uint256 leafIndex
    );
    /// @notice A slot's provider missed `period`: the period is refunded and `collateral` forfeited, of which
    /// `compensation` went to the client.
    event ProofMissed(
        uint256 indexed dealId,
        uint256 indexed index,
        address indexed provider,
        uint256 period,
        uint256 collateral,
        uint256 compensation
    );
    event SlotRepaired(
        uint256 indexed dealId, uint256 indexed index, address indexed provider, uint256 fromPeriod
    );
    event EarningsClaimed(
        uint256 indexed dealId,
        uint256 indexed index,
        address indexed provider,
        uint256 periods,
        uint256 amount
    );
    event DealCancelled(uint256 indexed dealId, uint256 periods, uint256 refund);
    event DealRenewed(uint256 indexed dealId, uint256 periods, uint256 cost);
    event DealFinished(uint256 indexed dealId, uint256 refund);
    event StorageBidCancelled(address indexed client, uint64 nonce);
    event StorageAskCancelled(address indexed provider, uint64 nonce);
    event StorageParamsUpdated(StorageParams params);

    /// @notice Opens a deal from the client's signed bid and one signed ask per replica. Sent by the matcher the
    /// bid names, it earns the matcher fee; sent by the client itself, the bid needs no signature (`bidSignature` is
    /// ignored) and no matcher is paid.
    /// @param acceptances Each ask's provider's signature over the bid's EIP-712 digest (its `StorageBid`), in ask
    /// order: a provider signs a bid only once it holds the data the bid names, so a deal never puts collateral at
    /// risk for data its provider was never sent.
    function matchDeal(
        StorageBid calldata bid,
        bytes calldata bidSignature,
        StorageAsk[] calldata asks,
        bytes[] calldata askSignatures,
        bytes[] calldata acceptances
    ) external returns (uint256 dealId);

    /// @notice Proves that slot `index` of the deal still holds its data for the current period: the challenged
    /// 64-byte segment (see `challengeOf`) and its Merkle path, leaf level first. Only the slot's provider may.
    function prove(uint256 dealId, uint256 index, bytes32[2] calldata segment, bytes32[] calldata siblings)
        external;

    /// @notice Records that slot `index` missed its next period's proof; anyone may call once its window has
    /// closed. Refunds the period, forfeits the collateral and opens the slot for repair.
    function reportMissed(uint256 dealId, uint256 index) external;

    /// @notice Takes over a slot whose provider was slashed. The caller must be eligible, must not hold another
    /// slot of the deal, must not be the provider that missed, and locks the deal's collateral; it proves from the
    /// next period on and earns the repair reward with its first proof.
    function repair(uint256 dealId, uint256 index) external;

    /// @notice Pays the slot's provider for its proven periods (anyone may call; the provider is paid).
    function claim(uint256 dealId, uint256 index) external returns (uint256 amount);

    /// @notice Ends the deal after the current period, refunding the later periods to the client.
    function cancel(uint256 dealId) external;

    /// @notice Adds `extraPeriods` to the deal, paid now, with a signed `StorageRenewal` consent (naming the
    /// deal's current length) from the provider of every slot that has one (empty bytes for a slot under repair).
    function renew(uint256 dealId, uint32 extraPeriods, uint64 deadline, bytes[] calldata consents) external;

    /// @notice Closes a deal after its last period; anyone may call. Pays what was earned, refunds what was not,
    /// returns the collateral of providers that proved every period and forfeits the rest to the client.
    function finish(uint256 dealId) external;

    function cancelBid(uint64 nonce) external;

    function cancelAsk(uint64 nonce) external;

    function deal(uint256 dealId) external view returns (Deal memory);

    function slot(uint256 dealId, uint256 index) external view returns (Slot memory);

    function challengeOf(uint256 dealId, uint256 index) external view returns (Challenge memory);

    /// @notice The reward set aside for whoever repairs slot `index`, paid with its first proof (zero when none).
    function repairRewardOf(uint256 dealId, uint256 index) external view returns (uint256);

    function isBidNonceUsed(address client, uint64 nonce) external view returns (bool);

    function askFills(address provider, uint64 nonce) external view returns (uint256);

    function params() external view returns (StorageParams memory);
}
