// The matcher's storage desk: providers' agents post signed storage asks, clients read them, upload their file to the
// providers they pick (each checks it against the root), then hand the matcher their signed bid naming those
// providers; the matcher opens the deal with `matchDeal` and earns the matcher fee. Storage asks are soft state:
// agents post theirs again every minute, so a restarted matcher has its desk back within a minute.
import { AgoraError, errorCodes } from '@agora/errors';
import type { Logger } from '@agora/service';
import {
  type Deployment,
  type SignedStorageAsk,
  type SerialSender,
  signedStorageAskJsonSchema,
  signedStorageBidJsonSchema,
  storageAskTypes,
  storageBidTypes,
  storageMarketAbi,
  storageMarketDomain,
  storageOrderToJson,
  toAgoraError,
} from '@agora/sdk';
import type { Hono } from 'hono';
import { type Address, type Hex, parseEventLogs, verifyTypedData } from 'viem';
import { z } from 'zod';

const dealPostSchema = signedStorageBidJsonSchema.extend({
  /** The providers the client uploaded to, one per replica, in slot order. */
  providers: z
    .array(z.string().regex(/^0x[0-9a-fA-F]{40}$/))
    .min(1)
    .max(16),
  /** Each provider's signature over the bid, given once it holds the data (the market requires them). */
  acceptances: z
    .array(z.string().regex(/^0x([0-9a-fA-F]{2})+$/, 'a signature as hex') as z.ZodType<Hex>)
    .min(1)
    .max(16),
});

export function createStorageDesk(options: {
  /** The matcher's sender: matches and deals share the account's nonces. */
  sender: SerialSender;
  /** The sender's account: a bid it matches must name it (the market refuses anyone else's `matchDeal`). */
  account: Address;
  deployment: Deployment;
  logger: Logger;
}) {
  const { sender, account, deployment, logger } = options;
  const market = deployment.contracts.storageMarket;
  const domain = storageMarketDomain(deployment.chainId, market);
  const allowedTokens = new Set(deployment.paymentTokens.map((token) => token.toLowerCase()));
  const asks = new Map<string, SignedStorageAsk>();
  const now = () => BigInt(Math.floor(Date.now() / 1000));

  const refuse = (code: (typeof errorCodes)[keyof typeof errorCodes], message: string): never => {
    throw new AgoraError(code, message);
  };

  async function admitAsk(body: unknown) {
    const parsed = signedStorageAskJsonSchema.safeParse(body);
    if (!parsed.success) {
      refuse(errorCodes.ORDER_INVALID, `Not a signed storage ask: ${z.prettifyError(parsed.error)}`);
      return;
    }
    const { ask, signature, endpoint } = parsed.data;
    if (ask.expiry <= now()) refuse(errorCodes.ORDER_EXPIRED, `The storage ask expired at ${ask.expiry}.`);
    if (!allowedTokens.has(ask.token.toLowerCase())) {
      refuse(errorCodes.ORDER_INVALID, `Token ${ask.token} is not a payment token of this market.`);
    }
    const valid = await verifyTypedData({
      address: ask.provider,
      domain,
      types: storageAskTypes,
      primaryType: 'StorageAsk',
      message: ask,
      signature,
    });
    if (!valid) refuse(errorCodes.ORDER_SIGNATURE_INVALID, `The signature is not ${ask.provider}'s over this ask.`);
    const current = asks.get(ask.provider.toLowerCase());
    if (!current || current.ask.nonce <= ask.nonce) asks.set(ask.provider.toLowerCase(), { ask, signature, endpoint });
    return { provider: ask.provider, nonce: ask.nonce.toString() };
  }

  function offers() {
    const time = now();
    for (const [provider, offer] of asks) if (offer.ask.expiry <= time) asks.delete(provider);
    return [...asks.values()]
      .sort((a, b) => (a.ask.pricePerGiBPeriod < b.ask.pricePerGiBPeriod ? -1 : 1))
      .map((offer) => storageOrderToJson(offer));
  }

  async function openDeal(body: unknown) {
    const parsed = dealPostSchema.safeParse(body);
    if (!parsed.success) {
      refuse(errorCodes.ORDER_INVALID, `Not a signed storage bid with its providers: ${z.prettifyError(parsed.error)}`);
      return;
    }
    const { bid, signature, providers, acceptances } = parsed.data;
    if (providers.length !== bid.replicas || acceptances.length !== bid.replicas) {
      refuse(
        errorCodes.ORDER_INVALID,
        `The bid wants ${bid.replicas} replicas but names ${providers.length} providers with ${acceptances.length} acceptances.`,
      );
    }
    if (bid.deadline <= now()) refuse(errorCodes.ORDER_EXPIRED, `The storage bid expired at ${bid.deadline}.`);
    if (bid.matcher.toLowerCase() !== account.toLowerCase()) {
      refuse(
        errorCodes.ORDER_WRONG_MATCHER,
        `The bid names matcher ${bid.matcher}, but this matcher is ${account}: sign it naming ${account} (its /health says so).`,
      );
    }
    const valid = await verifyTypedData({
      address: bid.client,
      domain,
      types: storageBidTypes,
      primaryType: 'StorageBid',
      message: bid,
      signature,
    });
    if (!valid) refuse(errorCodes.ORDER_SIGNATURE_INVALID, `The signature is not ${bid.client}'s over this bid.`);
    const chosen = providers.map((provider) => {
      const offer = asks.get(provider.toLowerCase());
      if (!offer || offer.ask.expiry <= now()) {
        return refuse(errorCodes.ORDER_INVALID, `This matcher holds no live storage ask of ${provider}.`);
      }
      return offer;
    });
    let receipt;
    try {
      receipt = await sender.send({
        address: market,
        abi: storageMarketAbi,
        functionName: 'matchDeal',
        args: [bid, signature, chosen.map((offer) => offer.ask), chosen.map((offer) => offer.signature), acceptances],
      });
    } catch (error) {
      throw toAgoraError(error, 'Matching the storage deal');
    }
    const [opened] = parseEventLogs({ abi: storageMarketAbi, logs: receipt.logs, eventName: 'DealOpened' });
    if (receipt.status !== 'success' || !opened) {
      refuse(errorCodes.CONTRACT_REVERTED, `matchDeal reverted in ${receipt.transactionHash}.`);
      return;
    }
    logger.info({ dealId: opened.args.dealId, client: bid.client, providers }, 'storage deal matched');
    return { dealId: opened.args.dealId.toString(), transactionHash: receipt.transactionHash };
  }

  return {
    /** Mounts `POST /storage/asks`, `GET /storage/asks` and `POST /storage/deals` with the matcher's answers. */
    routes(
      app: Hono,
      answer: (work: () => Promise<unknown>, kind: 'ask' | 'bid') => Promise<Response>,
      readJson: (request: Request) => Promise<unknown>,
    ) {
      app.post('/storage/asks', async (c) => answer(async () => admitAsk(await readJson(c.req.raw)), 'ask'));
      app.get('/storage/asks', (c) => c.json(offers()));
      app.post('/storage/deals', async (c) => answer(async () => openDeal(await readJson(c.req.raw)), 'bid'));
    },
    get size() {
      return asks.size;
    },
  };
}
