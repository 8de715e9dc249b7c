// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice A provider's signed offer to store data (EIP-712 `StorageAsk`).
/// @param provider Registered provider that signs the ask and will store the data.
/// @param token Payment token (must be allowlisted by the market); collateral is locked in the same token.
/// @param pricePerGiBPeriod Price in token base units per GiB stored for one period, per replica.
/// @param maxCollateralPerGiB Most collateral per GiB the provider accepts to lock for a deal.
/// @param maxBytes Largest deal the ask accepts.
/// @param maxPeriods Longest deal, in periods, the ask accepts.
/// @param volume Number of deals this ask may fill.
/// @param expiry Unix time after which the ask cannot be filled.
/// @param nonce Provider-chosen identifier; (provider, nonce) is filled at most `volume` times.
struct StorageAsk {
    address provider;
    address token;
    uint256 pricePerGiBPeriod;
    uint256 maxCollateralPerGiB;
    uint64 maxBytes;
    uint32 maxPeriods;
    uint32 volume;
    uint64 expiry;
    uint64 nonce;
}

/// @notice A client's signed request to store one file (EIP-712 `StorageBid`).
/// @param client Account that pays from its escrow balance.
/// @param token Payment token.
/// @param root Merkle root over the stored bytes in 64-byte segments (see `StorageMarket`).
/// @param size Length of the stored bytes (the ciphertext when the client encrypts).
/// @param cid CIDv1 (binary) of the stored bytes, for retrieval.
/// @param periods Duration in periods.
/// @param replicas Number of providers that each keep a full copy.
/// @param maxPricePerGiBPeriod Highest price per GiB per period the client accepts.
/// @param collateralPerGiB Collateral per GiB each provider locks; forfeited on a missed proof.
/// @param deadline Unix time after which the bid cannot be matched.
/// @param nonce Client-chosen; each (client, nonce) opens at most one deal.
/// @param matcher The one matcher that may submit the bid with `matchDeal` and earn its fee (ignored when the client
/// opens the deal itself).
struct StorageBid {
    address client;
    address token;
    bytes32 root;
    uint64 size;
    bytes cid;
    uint32 periods;
    uint8 replicas;
    uint256 maxPricePerGiBPeriod;
    uint256 collateralPerGiB;
    uint64 deadline;
    uint64 nonce;
    address matcher;
}

/// @notice Consent of a deal's provider to store it for `extraPeriods` more (EIP-712 `StorageRenewal`).
struct StorageRenewal {
    uint256 dealId;
    uint32 fromPeriods;
    uint32 extraPeriods;
    uint64 deadline;
}

enum DealStatus {
    None,
    Active,
    Finished
}

/// @notice The life of one replica slot of a deal.
/// `Active`: its provider proves each period. `Repairing`: its provider missed a proof and was slashed; any
/// eligible provider may take it over. `Repaired`: taken over, the repair reward is paid with the first proof.
/// `Closed`: the deal finished.
enum SlotState {
    None,
    Active,
    Repairing,
    Repaired,
    Closed
}
