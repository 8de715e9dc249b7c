/** Stable error codes: tests and callers match on these, never on message text. */
export const errorCodes = {
  INVALID_ARGUMENT: 'AGORA_INVALID_ARGUMENT',
  DEPLOY_FAILED: 'AGORA_DEPLOY_FAILED',
  ANVIL_FAILED: 'AGORA_ANVIL_FAILED',
  TRANSACTION_REVERTED: 'AGORA_TRANSACTION_REVERTED',
} as const;

export type AgoraErrorCode = (typeof errorCodes)[keyof typeof errorCodes];

export type AgoraErrorOptions = {
  cause?: unknown;
  /** Whether repeating the same call may succeed (a node that is still starting, a dropped connection). */
  retryable?: boolean;
  details?: string;
};

/**
 * The root of every error the SDK throws: a readable message, a stable `code`, a `cause` chain.
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
