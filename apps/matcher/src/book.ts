// The order book and the two ways it matches, free of I/O so the matching loop can be measured alone.
//
// Continuous: a bid takes the cheapest compatible asks of distinct providers, earliest first among equal prices
// (price-time priority); a bid no ask set can serve rests and is retried as asks arrive, best bid first.
// Batch auction: orders collect for an interval; one clearing price per token maximises the replicas traded (the
// lowest such price, in the clients' favour); every bid at or above it, best bid first, takes asks at or below it.
// Among bids of one price the order is a per-batch shuffle, not arrival, so seeing a bid first buys nothing.
import type { Ask, Bid, Resources, SignedAsk, SignedBid } from '@agora/sdk';

/** What a client asks of providers beyond price: none of it is signed, it only narrows the matcher's choice. */
export type Requirements = {
  minCpuCores?: number | undefined;
  minMemoryMiB?: number | undefined;
  minGpuCount?: number | undefined;
  gpuModel?: string | undefined;
  minStorageGiB?: number | undefined;
  region?: number | undefined;
  /** Feature bits (ResourcesLib) every provider must have, e.g. TEE. */
  features?: number | undefined;
  /** Minimum bonded stake of each provider, in base units of the stake token. */
  minStake?: bigint | undefined;
};

export type BookAsk = {
  hash: string;
  signed: SignedAsk;
  ask: Ask;
  /** Lower-case provider address: one provider may appear once per task. */
  provider: string;
  resources: Resources;
  /** Bonded stake when the ask was admitted. */
  stake: bigint;
  /** Fills left as far as the chain said, minus fills of matches in flight. */
  available: number;
  arrival: number;
};

export type BookBid = {
  hash: string;
  signed: SignedBid;
  bid: Bid;
  requirements: Requirements;
  /** The most escrow the bid can lock, to keep a client's open bids within its free balance. */
  maxLock: bigint;
  arrival: number;
  /** `matching` while a match of it is on its way to the chain. */
  state: 'open' | 'matching';
};

export type Match = { bid: BookBid; asks: BookAsk[] };

/** Why a resting bid has not matched, as the matcher tells its client: a stable reason and a sentence. */
export type WaitingReason = {
  reason:
    | 'no-asks'
    | 'not-enough-providers'
    | 'mode-unavailable'
    | 'resources-unavailable'
    | 'price-below-asks'
    | 'asks-busy';
  message: string;
};

function meets(ask: BookAsk, requirements: Requirements): boolean {
  const r = ask.resources;
  return (
    (requirements.minCpuCores === undefined || r.cpuCores >= requirements.minCpuCores) &&
    (requirements.minMemoryMiB === undefined || r.memoryMiB >= requirements.minMemoryMiB) &&
    (requirements.minGpuCount === undefined || r.gpuCount >= requirements.minGpuCount) &&
    (requirements.gpuModel === undefined || r.gpuModel === requirements.gpuModel) &&
    (requirements.minStorageGiB === undefined || r.storageGiB >= requirements.minStorageGiB) &&
    (requirements.region === undefined || r.region === requirements.region) &&
    (requirements.features === undefined || (r.features & requirements.features) === requirements.features) &&
    (requirements.minStake === undefined || ask.stake >= requirements.minStake)
  );
}

const byPriceThenArrival = (a: BookAsk, b: BookAsk) =>
  a.ask.pricePerFuel < b.ask.pricePerFuel ? -1 : a.ask.pricePerFuel > b.ask.pricePerFuel ? 1 : a.arrival - b.arrival;

/** FNV-1a of seed and text: a cheap, per-batch order that nobody can buy by arriving first. */
function shuffleKey(seed: number, text: string): number {
  let hash = (2166136261 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619) >>> 0;
  return hash;
}

export function createOrderBook() {
  const asks = new Map<string, BookAsk>();
  const bids = new Map<string, BookBid>();
  /** Asks per token, cheapest first, earliest first within a price. */
  const ladders = new Map<string, BookAsk[]>();
  let arrivals = 0;

  const ladderOf = (token: string) => {
    let ladder = ladders.get(token);
    if (!ladder) ladders.set(token, (ladder = []));
    return ladder;
  };

  /** The cheapest asks of distinct providers that can serve `bid` at or below `priceCap`, or undefined. */
  function pick(bid: BookBid, now: bigint, priceCap: bigint): BookAsk[] | undefined {
    const { bid: terms, requirements } = bid;
    const ladder = ladders.get(terms.token.toLowerCase());
    if (!ladder) return undefined;
    const cap = terms.maxPricePerFuel < priceCap ? terms.maxPricePerFuel : priceCap;
    const modeBit = 1 << terms.mode;
    const chosen: BookAsk[] = [];
    for (const ask of ladder) {
      if (ask.ask.pricePerFuel > cap) break;
      if (ask.available <= 0 || ask.ask.expiry <= now || (ask.ask.modes & modeBit) === 0) continue;
      if (!meets(ask, requirements) || chosen.some((other) => other.provider === ask.provider)) continue;
      chosen.push(ask);
      if (chosen.length === terms.replicas) return chosen;
    }
    return undefined;
  }

  function take(bid: BookBid, chosen: BookAsk[]): Match {
    bid.state = 'matching';
    for (const ask of chosen) ask.available -= 1;
    return { bid, asks: chosen };
  }

  const openBids = (now: bigint) => [...bids.values()].filter((bid) => bid.state === 'open' && bid.bid.deadline > now);

  return {
    asks,
    bids,

    addAsk(entry: Omit<BookAsk, 'arrival' | 'provider'>): BookAsk {
      const ask: BookAsk = { ...entry, provider: entry.ask.provider.toLowerCase(), arrival: arrivals++ };
      asks.set(ask.hash, ask);
      const ladder = ladderOf(ask.ask.token.toLowerCase());
      // Binary search for the first ask that sorts after this one.
      let low = 0;
      let high = ladder.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (byPriceThenArrival(ladder[middle] as BookAsk, ask) <= 0) low = middle + 1;
        else high = middle;
      }
      ladder.splice(low, 0, ask);
      return ask;
    },

    removeAsk(hash: string): BookAsk | undefined {
      const ask = asks.get(hash);
      if (!ask) return undefined;
      asks.delete(hash);
      const ladder = ladderOf(ask.ask.token.toLowerCase());
      const at = ladder.indexOf(ask);
      if (at >= 0) ladder.splice(at, 1);
      return ask;
    },

    addBid(entry: Omit<BookBid, 'arrival' | 'state'>): BookBid {
      const bid: BookBid = { ...entry, arrival: arrivals++, state: 'open' };
      bids.set(bid.hash, bid);
      return bid;
    },

    removeBid(hash: string): BookBid | undefined {
      const bid = bids.get(hash);
      bids.delete(hash);
      return bid;
    },

    /** Continuous matching of one bid; reserves the asks it takes. */
    matchBid(bid: BookBid, now: bigint): Match | undefined {
      if (bid.state !== 'open' || bid.bid.deadline <= now) return undefined;
      const chosen = pick(bid, now, bid.bid.maxPricePerFuel);
      return chosen && take(bid, chosen);
    },

    /** Continuous matching of every resting bid, highest price first, then earliest. */
    matchResting(now: bigint): Match[] {
      const resting = openBids(now).sort((a, b) =>
        a.bid.maxPricePerFuel > b.bid.maxPricePerFuel
          ? -1
          : a.bid.maxPricePerFuel < b.bid.maxPricePerFuel
            ? 1
            : a.arrival - b.arrival,
      );
      const matches: Match[] = [];
      for (const bid of resting) {
        const chosen = pick(bid, now, bid.bid.maxPricePerFuel);
        if (chosen) matches.push(take(bid, chosen));
      }
      return matches;
    },

    /** One batch auction over every resting order: a clearing price per token, and the matches at it. */
    auction(now: bigint, seed: number): { clearingPrices: Map<string, bigint>; matches: Match[] } {
      const clearingPrices = new Map<string, bigint>();
      const matches: Match[] = [];
      const bidsByToken = new Map<string, BookBid[]>();
      for (const bid of openBids(now)) {
        const token = bid.bid.token.toLowerCase();
        let list = bidsByToken.get(token);
        if (!list) bidsByToken.set(token, (list = []));
        list.push(bid);
      }
      for (const [token, tokenBids] of bidsByToken) {
        const supply = (ladders.get(token) ?? []).filter((ask) => ask.available > 0 && ask.ask.expiry > now);
        if (supply.length === 0) continue;
        // Demand at a price: replicas wanted by bids that pay at least it. Supply: fills of asks at most it.
        const byLimit = [...tokenBids].sort((a, b) =>
          a.bid.maxPricePerFuel > b.bid.maxPricePerFuel ? -1 : a.bid.maxPricePerFuel < b.bid.maxPricePerFuel ? 1 : 0,
        );
        let demand = byLimit.reduce((sum, bid) => sum + bid.bid.replicas, 0);
        let dropped = byLimit.length - 1;
        let offered = 0;
        let best = { traded: 0, price: 0n };
        for (let i = 0; i < supply.length; i++) {
          const ask = supply[i] as BookAsk;
          offered += ask.available;
          const price = ask.ask.pricePerFuel;
          if (i + 1 < supply.length && (supply[i + 1] as BookAsk).ask.pricePerFuel === price) continue;
          while (dropped >= 0 && (byLimit[dropped] as BookBid).bid.maxPricePerFuel < price) {
            demand -= (byLimit[dropped] as BookBid).bid.replicas;
            dropped -= 1;
          }
          const traded = Math.min(demand, offered);
          if (traded > best.traded) best = { traded, price };
        }
        if (best.traded === 0) continue;
        clearingPrices.set(token, best.price);
        const winners = byLimit
          .filter((bid) => bid.bid.maxPricePerFuel >= best.price)
          .map((bid) => ({ bid, key: shuffleKey(seed, bid.hash) }))
          .sort((a, b) =>
            a.bid.bid.maxPricePerFuel > b.bid.bid.maxPricePerFuel
              ? -1
              : a.bid.bid.maxPricePerFuel < b.bid.bid.maxPricePerFuel
                ? 1
                : a.key - b.key,
          );
        for (const { bid } of winners) {
          const chosen = pick(bid, now, best.price);
          if (chosen) matches.push(take(bid, chosen));
        }
      }
      return { clearingPrices, matches };
    },

    /** A match that will not reach the chain: its bid is open again and its asks get their fills back. */
    release(match: Match): void {
      match.bid.state = 'open';
      for (const ask of match.asks) if (asks.get(ask.hash) === ask) ask.available += 1;
    },

    /** Bids of `client` still open or matching: what they could lock together. */
    committedBy(client: string): bigint {
      let total = 0n;
      for (const bid of bids.values()) if (bid.bid.client.toLowerCase() === client) total += bid.maxLock;
      return total;
    },

    /**
     * Why `bid` does not match now, narrowing the live asks of its token step by step (its verification mode, its
     * requirements, its price) until fewer distinct providers than its replicas remain; undefined when it could.
     */
    whyWaiting(bid: BookBid, now: bigint): WaitingReason | undefined {
      const { bid: terms, requirements } = bid;
      const replicas = terms.replicas;
      const needs = `it needs ${replicas} distinct provider${replicas === 1 ? '' : 's'}`;
      const providersOf = (list: BookAsk[]) => new Set(list.map((ask) => ask.provider)).size;
      const live = (ladders.get(terms.token.toLowerCase()) ?? []).filter((ask) => ask.ask.expiry > now);
      if (live.length === 0) return { reason: 'no-asks', message: 'No provider offers compute for this token now.' };
      if (providersOf(live) < replicas) {
        return {
          reason: 'not-enough-providers',
          message: `${providersOf(live)} provider${providersOf(live) === 1 ? ' sells' : 's sell'} compute for this token now; ${needs}.`,
        };
      }
      const modeBit = 1 << terms.mode;
      const inMode = live.filter((ask) => (ask.ask.modes & modeBit) !== 0);
      if (providersOf(inMode) < replicas) {
        return {
          reason: 'mode-unavailable',
          message: `${providersOf(inMode)} of ${providersOf(live)} providers offer this verification mode; ${needs}.`,
        };
      }
      const suited = inMode.filter((ask) => meets(ask, requirements));
      if (providersOf(suited) < replicas) {
        return {
          reason: 'resources-unavailable',
          message: `${providersOf(suited)} of ${providersOf(inMode)} providers offer the resources and stake the bid asks for; ${needs}.`,
        };
      }
      // The ladder is cheapest first: the price of the replicas-th distinct provider is the least the bid must pay.
      const seen = new Set<string>();
      let least = 0n;
      for (const ask of suited) {
        if (seen.has(ask.provider)) continue;
        seen.add(ask.provider);
        if (seen.size === replicas) {
          least = ask.ask.pricePerFuel;
          break;
        }
      }
      if (terms.maxPricePerFuel < least) {
        return {
          reason: 'price-below-asks',
          message: `Its max price of ${terms.maxPricePerFuel} base units per fuel is below ${least}, the least at which ${replicas} provider${replicas === 1 ? '' : 's'} with what it asks for sell.`,
        };
      }
      if (pick(bid, now, terms.maxPricePerFuel)) return undefined;
      return {
        reason: 'asks-busy',
        message: `Enough providers sell at its price, but fewer than ${replicas} have a fill left now; it matches as fills free up.`,
      };
    },

    size: () => ({ asks: asks.size, bids: bids.size }),
  };
}

export type OrderBook = ReturnType<typeof createOrderBook>;
