// The provider's standing offer: one signed ask at a time, replaced before it expires or runs out of volume, and
// cancelled on chain when the configured terms change (so the old price cannot be filled any more). Each is posted
// to the configured matchers and served at `GET /ask` for anyone matching by hand.
import {
  type Ask,
  askTypes,
  computeMarketAbi,
  computeMarketDomain,
  replicaPoolAbi,
  verificationMode,
} from '@agora/sdk';
import type { Address, Hex, LocalAccount } from 'viem';
import type { AgentState, StoredAsk } from './agent-state.js';
import type { AgentChain } from './chain.js';
import type { Logger } from '@agora/service';
import type { AgentMetrics } from './metrics.js';
import type { DurableState } from './state.js';

export type AskTerms = {
  token: Address;
  pricePerFuel: bigint;
  resources: bigint;
  modes: readonly (keyof typeof verificationMode)[];
  volume: number;
  ttlSeconds: number;
};

export type SignedAsk = { ask: Ask; signature: Hex };

export type AskManager = {
  /**
   * Signs a new ask when there is none usable at chain time `now`, and posts it where it has not been posted yet; and,
   * when the agent takes replicated work, keeps its replica-pool membership current (replicated seats are drawn from
   * the pool, not matched with asks).
   */
  refresh(now: bigint): Promise<void>;
  /**
   * Leaves the replica pool, when a member: a stopping agent would otherwise be drawn for tasks it will not serve, and
   * slashed as their no-show. Seats already drawn stay the agent's to finish when it runs again.
   */
  leavePool(): Promise<void>;
};

export function toStoredAsk({ ask, signature }: SignedAsk): StoredAsk {
  return {
    ask: {
      ...ask,
      pricePerFuel: ask.pricePerFuel.toString(),
      resources: ask.resources.toString(),
      expiry: ask.expiry.toString(),
      nonce: ask.nonce.toString(),
    },
    signature,
  };
}

export function fromStoredAsk({ ask, signature }: StoredAsk): SignedAsk {
  return {
    ask: {
      ...ask,
      pricePerFuel: BigInt(ask.pricePerFuel),
      resources: BigInt(ask.resources),
      expiry: BigInt(ask.expiry),
      nonce: BigInt(ask.nonce),
    },
    signature,
  };
}

export function createAskManager(options: {
  chain: AgentChain;
  signer: LocalAccount;
  market: Address;
  /** The replica pool replicated seats are drawn from. */
  pool: Address;
  chainId: number;
  state: DurableState<AgentState>;
  terms: AskTerms;
  matchers: readonly string[];
  /** The agent's public URL, sent with the ask so that clients find their results. */
  endpoint: () => string | undefined;
  logger: Logger;
  metrics: AgentMetrics;
}): AskManager {
  const { chain, market, state, terms, logger, metrics } = options;
  const modes = terms.modes.reduce((mask, mode) => mask | (1 << verificationMode[mode]), 0);
  const published = new Set<string>();

  const sameTerms = (ask: Ask) =>
    ask.token === terms.token &&
    ask.pricePerFuel === terms.pricePerFuel &&
    ask.resources === terms.resources &&
    ask.modes === modes &&
    ask.volume === terms.volume;

  const usable = async (signed: SignedAsk, now: bigint): Promise<boolean> => {
    const { ask } = signed;
    if (ask.expiry - now < BigInt(Math.ceil(terms.ttlSeconds / 5))) return false;
    if (!sameTerms(ask)) {
      // Retire the old terms on chain; until expiry a matcher could still fill them.
      await chain
        .write({ address: market, abi: computeMarketAbi, functionName: 'cancelAsk', args: [ask.nonce] })
        .then(() => logger.info({ nonce: ask.nonce }, 'ask with old terms cancelled'))
        .catch((error: unknown) => logger.warn({ err: error, nonce: ask.nonce }, 'could not cancel the old ask'));
      return false;
    }
    const fills = await chain.publicClient.readContract({
      address: market,
      abi: computeMarketAbi,
      functionName: 'askFills',
      args: [ask.provider, ask.nonce],
    });
    return fills < BigInt(ask.volume);
  };

  const sign = async (now: bigint): Promise<SignedAsk> => {
    // Above every nonce this state has used and, being the clock in milliseconds, above those an earlier data
    // directory of the same key used: a nonce never comes back with other terms.
    const previous = BigInt(state.read().askNonce);
    const clock = BigInt(Date.now());
    const nonce = clock > previous ? clock : previous + 1n;
    const ask: Ask = {
      provider: chain.account,
      token: terms.token,
      pricePerFuel: terms.pricePerFuel,
      resources: terms.resources,
      modes,
      volume: terms.volume,
      expiry: now + BigInt(terms.ttlSeconds),
      nonce,
    };
    const signature = await options.signer.signTypedData({
      domain: computeMarketDomain(options.chainId, market),
      types: askTypes,
      primaryType: 'Ask',
      message: ask,
    });
    const signed = { ask, signature };
    await state.update((draft) => {
      draft.askNonce = nonce.toString();
      draft.ask = toStoredAsk(signed);
    });
    logger.info({ nonce, pricePerFuel: ask.pricePerFuel, expiry: ask.expiry, volume: ask.volume }, 'ask signed');
    return signed;
  };

  const publish = async (signed: SignedAsk) => {
    for (const matcher of options.matchers) {
      const key = `${matcher}|${signed.ask.nonce}`;
      if (published.has(key)) continue;
      try {
        const response = await fetch(`${matcher.replace(/\/+$/, '')}/asks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          // The stored form: amounts as decimal strings, as `GET /ask` serves it.
          body: JSON.stringify({ ...toStoredAsk(signed), endpoint: options.endpoint() }),
          signal: AbortSignal.timeout(10_000),
        });
        if (!response.ok) throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
        published.add(key);
        logger.info({ matcher, nonce: signed.ask.nonce }, 'ask published');
      } catch (error) {
        metrics.errors.inc({ where: 'ask' });
        logger.warn({ matcher, err: error }, 'could not publish the ask; retrying on the next poll');
      }
    }
  };

  /**
   * Joins the pool again when the agent is not a member, its terms changed, its membership lapses within a fifth of
   * the ask's lifetime, or it has more stake bonded than when it joined (a draw weighs at most the stake at join).
   */
  const renewMembership = async (now: bigint) => {
    if (!terms.modes.includes('replicated')) return;
    const { publicClient } = chain;
    const [[slot, member], [bonded]] = await Promise.all([
      publicClient.readContract({
        address: options.pool,
        abi: replicaPoolAbi,
        functionName: 'slotOf',
        args: [terms.token, chain.account],
      }),
      publicClient.readContract({
        address: market,
        abi: computeMarketAbi,
        functionName: 'standingOf',
        args: [chain.account],
      }),
    ]);
    if (member) {
      const current = await publicClient.readContract({
        address: options.pool,
        abi: replicaPoolAbi,
        functionName: 'memberAt',
        args: [terms.token, slot],
      });
      const fresh = BigInt(current.expiry) - now >= BigInt(Math.ceil(terms.ttlSeconds / 5));
      if (fresh && current.floorPricePerFuel === terms.pricePerFuel && current.bondedAtJoin >= bonded) return;
    }
    const expiry = Number(now) + terms.ttlSeconds;
    await chain.write({
      address: options.pool,
      abi: replicaPoolAbi,
      functionName: 'join',
      args: [terms.token, terms.pricePerFuel, expiry],
    });
    logger.info({ token: terms.token, floorPricePerFuel: terms.pricePerFuel, expiry }, 'replica pool joined');
  };

  return {
    async refresh(now) {
      const stored = state.read().ask;
      let signed = stored ? fromStoredAsk(stored) : undefined;
      if (!signed || !(await usable(signed, now))) signed = await sign(now);
      await publish(signed);
      await renewMembership(now);
    },
    async leavePool() {
      if (!terms.modes.includes('replicated')) return;
      const [, member] = await chain.publicClient.readContract({
        address: options.pool,
        abi: replicaPoolAbi,
        functionName: 'slotOf',
        args: [terms.token, chain.account],
      });
      if (!member) return;
      await chain.write({ address: options.pool, abi: replicaPoolAbi, functionName: 'leave', args: [terms.token] });
      logger.info({ token: terms.token }, 'replica pool left');
    },
  };
}
