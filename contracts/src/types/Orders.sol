// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice How a task's result is verified before anyone is paid: each mode names one verifier contract
/// (`IVerifier`). `Replicated` is the market's own; the market installs a verifier for any other mode once, and a
/// mode with none installed is refused. The names are reserved so that orders signed today keep their meaning.
enum VerificationMode {
    Replicated,
    Optimistic,
    Tee,
    Zk
}

/// @notice A provider's signed offer to run tasks (EIP-712 `Ask`).
/// @param provider Registered provider that signs the ask and will execute the task.
/// @param token Payment token (must be allowlisted by the market).
/// @param pricePerFuel Price in token base units per fuel unit.
/// @param resources Packed resources offered (see `ResourcesLib`).
/// @param modes Bitmask of accepted verification modes (`1 << uint8(mode)`).
/// @param volume Number of tasks this ask may fill.
/// @param expiry Unix time after which the ask cannot be filled.
/// @param nonce Provider-chosen identifier; (provider, nonce) is filled at most `volume` times.
struct Ask {
    address provider;
    address token;
    uint256 pricePerFuel;
    uint256 resources;
    uint32 modes;
    uint32 volume;
    uint64 expiry;
    uint64 nonce;
}

/// @notice A client's signed request for a compute task (EIP-712 `Bid`).
/// @param client Account that pays from its escrow balance.
/// @param token Payment token.
/// @param appCid CIDv1 (binary) of the WASM module.
/// @param inputCid CIDv1 (binary) of the input document: the app's arguments and stdin bytes.
/// @param maxFuel Fuel limit per replica; escrow is locked for this much.
/// @param maxPricePerFuel Highest price per fuel unit the client accepts.
/// @param replicas Number of providers that execute the task.
/// @param quorum Number of equal results needed to finalize; more than half of `replicas`.
/// @param mode Verification mode (`VerificationMode`).
/// @param deadline Unix time after which the bid cannot be matched.
/// @param nonce Client-chosen: lane (high 32 bits) and sequence (low 32). (client, nonce) names the task; a
/// lane holds one open task at a time and its sequence only grows, so each nonce is used at most once.
/// @param encryptionKey Optional X25519 public key results are encrypted to (zero when absent).
/// @param matcher The one matcher that may submit the bid and earn its fee. It is signed but not sent: the market
/// checks the signature with the caller of `matchOrders` in this field, so a bid copied from a book fails its
/// signature check in anyone else's match. `fill` needs no matcher (the client signs nothing there).
struct Bid {
    address client;
    address token;
    bytes appCid;
    bytes inputCid;
    uint64 maxFuel;
    uint256 maxPricePerFuel;
    uint8 replicas;
    uint8 quorum;
    uint8 mode;
    uint64 deadline;
    uint64 nonce;
    bytes32 encryptionKey;
    address matcher;
}

/// @notice The terms of a matched task. Only a 184-bit hash of its packed encoding (`TaskRecordLib`) is stored;
/// every later call passes the packed record back in calldata, and `TaskMatched` emits it, which costs far less
/// gas than keeping the terms in storage.
/// @param nonce The bid's nonce: lane in the high 32 bits, sequence in the low 32 (see `TaskStateLib`).
/// @param previous The head of the client's lane before this task, chaining the lane's tasks so that a settled
/// task stays provable after its lane is reused (its review right survives).
/// @param mode The bid's verification mode: the verifier that alone may settle the task (see `IVerifier`).
struct Task {
    address client;
    uint64 nonce;
    address token;
    address matcher;
    uint128 pricePerFuel;
    uint64 maxFuel;
    uint8 quorum;
    uint16 protocolFeeBps;
    uint16 matcherFeeBps;
    uint64 commitDeadline;
    uint64 revealDeadline;
    bytes23 previous;
    uint8 mode;
    address[] providers;
}

/// @notice Lifecycle of a task; `Finalized` and `Failed` are final. `Retired`: the client's lane has moved
/// past this nonce (the bid was cancelled, or its task settled and a later task now uses the lane); the task's
/// outcome stays in its events and in the lane's hash chain.
enum TaskStatus {
    None,
    Matched,
    Finalized,
    Failed,
    Retired
}
