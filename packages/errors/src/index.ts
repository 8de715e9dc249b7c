/** Stable error codes: tests and callers match on these, never on message text. */
export const errorCodes = {
  INVALID_ARGUMENT: 'AGORA_INVALID_ARGUMENT',
  DEPLOY_FAILED: 'AGORA_DEPLOY_FAILED',
  ANVIL_FAILED: 'AGORA_ANVIL_FAILED',
  TRANSACTION_REVERTED: 'AGORA_TRANSACTION_REVERTED',
  /** The bytes are not a WebAssembly module at all. */
  WASM_NOT_WASM: 'AGORA_WASM_NOT_WASM',
  /** The bytes start like WebAssembly but do not decode or validate. */
  WASM_MALFORMED: 'AGORA_WASM_MALFORMED',
  /** The module does not export `_start: () -> ()`: it is not a WASI command. */
  WASM_NO_START: 'AGORA_WASM_NO_START',
  /** The module imports something outside the allowed WASI preview1 functions. */
  WASM_IMPORT_NOT_ALLOWED: 'AGORA_WASM_IMPORT_NOT_ALLOWED',
  /** The module uses a WebAssembly feature the deterministic runtime does not run. */
  WASM_FEATURE_NOT_ALLOWED: 'AGORA_WASM_FEATURE_NOT_ALLOWED',
  /** The module uses floating point and the policy forbids it. */
  WASM_FLOAT_NOT_ALLOWED: 'AGORA_WASM_FLOAT_NOT_ALLOWED',
  /** The module or its run asks for more than a configured limit (initial memory, input size). */
  RUNTIME_LIMIT_EXCEEDED: 'AGORA_RUNTIME_LIMIT_EXCEEDED',
  /** The run took longer than the wall-clock limit. Not a deterministic outcome: never commit it. */
  RUNTIME_TIMEOUT: 'AGORA_RUNTIME_TIMEOUT',
  /** The executor failed for a reason of the host (a crashed worker, the engine's own stack limit). */
  RUNTIME_HOST_FAILURE: 'AGORA_RUNTIME_HOST_FAILURE',
  /** A CID that does not parse, or names a codec or hash the content layer does not read. */
  CONTENT_INVALID_CID: 'AGORA_CONTENT_INVALID_CID',
  /** No source had the content. */
  CONTENT_NOT_FOUND: 'AGORA_CONTENT_NOT_FOUND',
  /** Bytes arrived that do not hash to the CID asked for. */
  CONTENT_HASH_MISMATCH: 'AGORA_CONTENT_HASH_MISMATCH',
  /** Content larger than the configured limit. */
  CONTENT_TOO_LARGE: 'AGORA_CONTENT_TOO_LARGE',
  /** A key file that is not a v3 keystore. */
  KEYSTORE_INVALID: 'AGORA_KEYSTORE_INVALID',
  /** The password does not decrypt the keystore. */
  KEYSTORE_WRONG_PASSWORD: 'AGORA_KEYSTORE_WRONG_PASSWORD',
  /** A durable state file that exists but cannot be read back. */
  STATE_CORRUPT: 'AGORA_STATE_CORRUPT',
  /** A configuration file that is missing, not JSON, or does not match its schema. */
  CONFIG_INVALID: 'AGORA_CONFIG_INVALID',
  /** A task input document that does not decode (see `decodeTaskInput`). */
  TASK_INPUT_INVALID: 'AGORA_TASK_INPUT_INVALID',
  /** A bid past its deadline or an ask past its expiry. */
  ORDER_EXPIRED: 'AGORA_ORDER_EXPIRED',
  /** An order whose signature is not its signer's over its EIP-712 hash on this chain and market. */
  ORDER_SIGNATURE_INVALID: 'AGORA_ORDER_SIGNATURE_INVALID',
  /** An order the market cannot take as it is (replicas, mode, token, price, fields). */
  ORDER_INVALID: 'AGORA_ORDER_INVALID',
  /** A bid posted to a matcher other than the one it names: only that matcher may submit it to the market. */
  ORDER_WRONG_MATCHER: 'AGORA_ORDER_WRONG_MATCHER',
  /** A bid nonce already used or cancelled: the order would replay. */
  NONCE_USED: 'AGORA_NONCE_USED',
  /** The bid's lane still has an open task; a client runs one task per lane at a time. */
  LANE_BUSY: 'AGORA_LANE_BUSY',
  /** An ask that has filled its volume or was cancelled. */
  ASK_EXHAUSTED: 'AGORA_ASK_EXHAUSTED',
  /** Not enough free balance in escrow (or in the wallet) for what was asked. */
  INSUFFICIENT_FUNDS: 'AGORA_INSUFFICIENT_FUNDS',
  /** A provider bonded below the market's minimum stake. */
  INSUFFICIENT_STAKE: 'AGORA_INSUFFICIENT_STAKE',
  /** A provider that is not registered, has left, or is jailed. */
  PROVIDER_NOT_ELIGIBLE: 'AGORA_PROVIDER_NOT_ELIGIBLE',
  /** A task the market does not know, or a record that is not the task's. */
  TASK_NOT_FOUND: 'AGORA_TASK_NOT_FOUND',
  /** A task step out of order or out of time (commit closed, reveal not open, too early to finalize). */
  TASK_STATE_INVALID: 'AGORA_TASK_STATE_INVALID',
  /** The caller may not do this (not the client, not assigned, not the owner). */
  NOT_AUTHORIZED: 'AGORA_NOT_AUTHORIZED',
  /** A contract reverted with an error the SDK has no closer code for; `details` names it. */
  CONTRACT_REVERTED: 'AGORA_CONTRACT_REVERTED',
  /** The JSON-RPC endpoint did not answer. */
  CHAIN_UNAVAILABLE: 'AGORA_CHAIN_UNAVAILABLE',
  /** A matcher (or another Agora service) could not be reached or answered with something unreadable. */
  SERVICE_UNAVAILABLE: 'AGORA_SERVICE_UNAVAILABLE',
  /** Waiting for something (a match, a settlement) took longer than the caller allowed. */
  TIMEOUT: 'AGORA_TIMEOUT',
  /** The user answered no when asked to confirm (a task that could cost more than they set as the threshold). */
  DECLINED: 'AGORA_DECLINED',
  /** A route, or a record a service was asked for, that the service does not have. */
  NOT_FOUND: 'AGORA_NOT_FOUND',
  /** A storage deal the market does not know, or one that has finished. */
  DEAL_NOT_FOUND: 'AGORA_DEAL_NOT_FOUND',
  /** A storage deal step out of order or out of time (proof too early or too late, slot not repairable). */
  DEAL_STATE_INVALID: 'AGORA_DEAL_STATE_INVALID',
  /** Stored bytes do not hash to the deal's Merkle root (corrupted, truncated or another file). */
  STORAGE_ROOT_MISMATCH: 'AGORA_STORAGE_ROOT_MISMATCH',
  /** Stored data could not be decrypted: a wrong key, or a chunk altered after encryption. */
  STORAGE_DECRYPT_FAILED: 'AGORA_STORAGE_DECRYPT_FAILED',
  /** No provider could serve the stored data. */
  STORAGE_UNAVAILABLE: 'AGORA_STORAGE_UNAVAILABLE',
  /** A review the review contract cannot take: a rating outside 1 to 5, a missing or oversized CID, no such provider. */
  REVIEW_INVALID: 'AGORA_REVIEW_INVALID',
  /** The task or deal was already reviewed, or the review already answered. */
  ALREADY_REVIEWED: 'AGORA_ALREADY_REVIEWED',
} as const;

export type AgoraErrorCode = (typeof errorCodes)[keyof typeof errorCodes];

export type AgoraErrorOptions = {
  cause?: unknown;
  /** Whether repeating the same call may succeed (a node that is still starting, a dropped connection). */
  retryable?: boolean;
  details?: string;
};

/**
 * The root of every error Agora's packages throw: a readable message, a stable `code`, a `cause` chain.
 * @example
 * try { await deployAgora(config) } catch (error) { if (error instanceof AgoraError) console.error(error.code) }
 */
export class AgoraError extends Error {
  override name = 'AgoraError';
  readonly code: AgoraErrorCode;
  readonly retryable: boolean;
  readonly details: string | undefined;

  constructor(code: AgoraErrorCode, message: string, options: AgoraErrorOptions = {}) {
    super(options.details ? `${message}\n\nDetails: ${options.details}` : message, { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }
}
