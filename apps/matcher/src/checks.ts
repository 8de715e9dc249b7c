// What a matcher checks of a posted order without asking the chain: shape, expiry, what the market accepts at all,
// and the signature. This is the ingest path `npm run bench:matcher` measures; the chain checks (nonce, funds,
// stake) follow in the service.
import { AgoraError, errorCodes } from '@agora/errors';
import { createOrderHasher, createSignatureVerifier, signedAskJsonSchema, signedBidJsonSchema } from '@agora/sdk';
import { type Address, type Hex, toHex } from 'viem';
import { z } from 'zod';

export const requirementsSchema = z
  .strictObject({
    minCpuCores: z.number().int().min(0).optional(),
    minMemoryMiB: z.number().int().min(0).optional(),
    minGpuCount: z.number().int().min(0).optional(),
    gpuModel: z.string().max(15).optional(),
    minStorageGiB: z.number().int().min(0).optional(),
    region: z.number().int().min(0).max(65_535).optional(),
    features: z.number().int().min(0).optional(),
    minStake: z
      .string()
      .regex(/^\d{1,78}$/)
      .transform((value) => BigInt(value))
      .optional(),
  })
  .default({});

export const askPostSchema = signedAskJsonSchema.extend({
  /** Where the provider's agent answers (`/tasks/<id>`, `/ipfs/<cid>`): clients fetch results there. */
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
});
export const bidPostSchema = signedBidJsonSchema.extend({ requirements: requirementsSchema });

const maxReplicas = 16;
const iso = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString();

export function createOrderChecks(options: {
  chainId: number;
  market: Address;
  /** This matcher's account: the only one a bid it takes may name, as only its `matchOrders` will pass. */
  matcher: Address;
  paymentTokens: readonly Address[];
  nowSeconds?: () => bigint;
}) {
  const hasher = createOrderHasher(options.chainId, options.market);
  const verifier = createSignatureVerifier();
  const allowedTokens = new Set(options.paymentTokens.map((token) => token.toLowerCase()));
  const nowSeconds = options.nowSeconds ?? (() => BigInt(Math.floor(Date.now() / 1000)));
  const refuse = (code: (typeof errorCodes)[keyof typeof errorCodes], message: string) => new AgoraError(code, message);
  const requireToken = (token: Address) => {
    if (!allowedTokens.has(token.toLowerCase())) {
      throw refuse(
        errorCodes.ORDER_INVALID,
        `The market does not accept payments in ${token}; accepted: ${options.paymentTokens.join(', ')}.`,
      );
    }
  };
  const requireSigner = (signer: Address, digest: Uint8Array, signature: Hex, kind: string) => {
    if (!verifier.verify(signer, digest, signature)) {
      throw refuse(
        errorCodes.ORDER_SIGNATURE_INVALID,
        `The signature is not ${signer}'s over this ${kind} on chain ${options.chainId}, market ${options.market}.`,
      );
    }
  };

  return {
    ask(body: unknown) {
      const parsed = askPostSchema.safeParse(body);
      if (!parsed.success)
        throw refuse(errorCodes.ORDER_INVALID, `The ask is malformed: ${z.prettifyError(parsed.error)}`);
      const { endpoint, ...signed } = parsed.data;
      const { ask } = signed;
      if (ask.expiry <= nowSeconds()) {
        throw refuse(errorCodes.ORDER_EXPIRED, `The ask expired at ${iso(ask.expiry)}; sign one with a later expiry.`);
      }
      requireToken(ask.token);
      const digest = hasher.ask(ask);
      requireSigner(ask.provider, digest, signed.signature, 'ask');
      return { signed, endpoint, hash: toHex(digest) };
    },

    bid(body: unknown) {
      const parsed = bidPostSchema.safeParse(body);
      if (!parsed.success)
        throw refuse(errorCodes.ORDER_INVALID, `The bid is malformed: ${z.prettifyError(parsed.error)}`);
      const { requirements, ...signed } = parsed.data;
      const { bid } = signed;
      if (bid.deadline <= nowSeconds()) {
        throw refuse(
          errorCodes.ORDER_EXPIRED,
          `The bid expired at ${iso(bid.deadline)}; sign one with a later deadline.`,
        );
      }
      if (
        bid.replicas < 1 ||
        bid.replicas > maxReplicas ||
        bid.quorum > bid.replicas ||
        bid.quorum * 2 <= bid.replicas
      ) {
        throw refuse(
          errorCodes.ORDER_INVALID,
          `Replicas ${bid.replicas} with quorum ${bid.quorum} is not accepted: replicas 1 to ${maxReplicas}, quorum a strict majority.`,
        );
      }
      if (bid.mode !== 0) {
        throw refuse(
          errorCodes.ORDER_INVALID,
          `Verification mode ${bid.mode} is not supported yet; use replicated (0).`,
        );
      }
      if (bid.maxFuel === 0n || bid.appCid.length <= 2 || bid.inputCid.length <= 2) {
        throw refuse(errorCodes.ORDER_INVALID, 'The bid needs a max fuel above 0, an app CID and an input CID.');
      }
      requireToken(bid.token);
      if (bid.matcher.toLowerCase() !== options.matcher.toLowerCase()) {
        throw refuse(
          errorCodes.ORDER_WRONG_MATCHER,
          `The bid names matcher ${bid.matcher}, but this matcher is ${options.matcher}: sign it naming ${options.matcher} (its /health says so).`,
        );
      }
      const digest = hasher.bid(bid);
      requireSigner(bid.client, digest, signed.signature, 'bid');
      return { signed, requirements, hash: toHex(digest) };
    },
  };
}

export type OrderChecks = ReturnType<typeof createOrderChecks>;
