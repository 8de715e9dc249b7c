import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Ask, type Bid, type Resources, nonceOf } from '@agora/sdk';
import { type Address, zeroHash } from 'viem';
import { describe, expect, it } from 'vitest';
import { type BookBid, type Requirements, createOrderBook } from '../src/book.js';
import { openJournal } from '../src/journal.js';

const token: Address = '0x00000000000000000000000000000000000000aa';
const now = 1_000n;
const resources: Resources = {
  cpuCores: 8,
  memoryMiB: 16_384,
  gpuCount: 0,
  storageGiB: 0,
  region: 1,
  features: 0,
  gpuModel: '',
};
const providerAddress = (i: number): Address => `0x${(i + 1).toString(16).padStart(40, '0')}`;

function addAsk(
  book: ReturnType<typeof createOrderBook>,
  hash: string,
  provider: number,
  price: bigint,
  extra: Partial<{ volume: number; resources: Resources; stake: bigint; expiry: bigint }> = {},
) {
  const ask: Ask = {
    provider: providerAddress(provider),
    token,
    pricePerFuel: price,
    resources: 0n,
    modes: 1,
    volume: extra.volume ?? 10,
    expiry: extra.expiry ?? now + 100n,
    nonce: 1n,
  };
  return book.addAsk({
    hash,
    signed: { ask, signature: '0x' },
    ask,
    resources: extra.resources ?? resources,
    stake: extra.stake ?? 100n,
    available: ask.volume,
  });
}

function addBid(
  book: ReturnType<typeof createOrderBook>,
  hash: string,
  maxPrice: bigint,
  replicas = 1,
  requirements: Requirements = {},
): BookBid {
  const bid: Bid = {
    client: providerAddress(99),
    token,
    appCid: '0x01',
    inputCid: '0x01',
    maxFuel: 10n,
    maxPricePerFuel: maxPrice,
    replicas,
    quorum: Math.floor(replicas / 2) + 1,
    mode: 0,
    deadline: now + 100n,
    nonce: nonceOf(1, 1),
    encryptionKey: zeroHash,
    matcher: providerAddress(98),
  };
  return book.addBid({ hash, signed: { bid, signature: '0x' }, bid, requirements, maxLock: 0n });
}

describe('continuous matching', () => {
  it('takes the cheapest asks of distinct providers, earliest first within a price', () => {
    const book = createOrderBook();
    addAsk(book, 'late-cheap', 1, 3n);
    addAsk(book, 'expensive', 2, 9n);
    addAsk(book, 'same-provider-cheaper', 1, 2n);
    addAsk(book, 'early-3', 3, 3n);
    const match = book.matchBid(addBid(book, 'b', 10n, 3), now);
    // Provider 1 once (its cheaper ask), then price 3 by arrival: provider 1's other ask is skipped, provider 3's taken.
    expect(match?.asks.map((a) => a.hash)).toEqual(['same-provider-cheaper', 'early-3', 'expensive']);
  });

  it('leaves a bid resting when no ask set fits its price, requirements or the clock', () => {
    const book = createOrderBook();
    addAsk(book, 'pricey', 1, 20n);
    addAsk(book, 'expired', 2, 1n, { expiry: now });
    addAsk(book, 'small', 3, 1n, { resources: { ...resources, cpuCores: 2 } });
    addAsk(book, 'poor', 4, 1n, { stake: 5n });
    expect(book.matchBid(addBid(book, 'b1', 10n), now)?.asks.map((a) => a.hash)).toEqual(['small']);
    const picky = addBid(book, 'b2', 10n, 1, { minCpuCores: 4, minStake: 50n });
    expect(book.matchBid(picky, now)).toBeUndefined();
    expect(picky.state).toBe('open');
    addAsk(book, 'fits', 5, 10n);
    expect(book.matchResting(now).map((m) => [m.bid.hash, m.asks[0]?.hash])).toEqual([['b2', 'fits']]);
  });

  it("counts fills against an ask's volume and gives them back when a match is released", () => {
    const book = createOrderBook();
    const ask = addAsk(book, 'one', 1, 1n, { volume: 1 });
    const first = book.matchBid(addBid(book, 'b1', 5n), now);
    expect(first).toBeDefined();
    expect(ask.available).toBe(0);
    expect(book.matchBid(addBid(book, 'b2', 5n), now)).toBeUndefined();
    book.release(first!);
    expect(ask.available).toBe(1);
    expect(book.matchResting(now)).toHaveLength(1);
  });
});

describe('batch auction', () => {
  it('clears at the lowest price that trades the most replicas, and only orders on the right side of it trade', () => {
    const book = createOrderBook();
    addAsk(book, 'a2', 1, 2n, { volume: 1 });
    addAsk(book, 'a4', 2, 4n, { volume: 1 });
    addAsk(book, 'a6', 3, 6n, { volume: 1 });
    addAsk(book, 'a9', 4, 9n, { volume: 1 });
    addBid(book, 'b10', 10n);
    addBid(book, 'b7', 7n);
    addBid(book, 'b5', 5n);
    addBid(book, 'b3', 3n);
    // Demand at 4: b10, b7, b5 (3); supply at 4: a2, a4 (2) → 2. At 6: demand 2 (b10, b7), supply 3 → 2. Lowest: 4.
    const { clearingPrices, matches } = book.auction(now, 7);
    expect(clearingPrices.get(token)).toBe(4n);
    expect(matches.map((m) => [m.bid.hash, m.asks[0]?.hash])).toEqual([
      ['b10', 'a2'],
      ['b7', 'a4'],
    ]);
  });

  it('orders equal bids by a per-batch shuffle, not by arrival', () => {
    const winners = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const book = createOrderBook();
      addAsk(book, 'only', 1, 1n, { volume: 1 });
      for (let i = 0; i < 5; i++) addBid(book, `bid-${i}`, 5n);
      const [match] = book.auction(now, seed).matches;
      winners.add(match!.bid.hash);
    }
    expect(winners.size).toBeGreaterThan(1);
  });
});

describe('journal', () => {
  it('replays what was appended, drops a torn last line, and rewrites only what compaction keeps', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'agora-journal-'));
    try {
      const file = path.join(dir, 'book.jsonl');
      const first = await openJournal<{ n: number }>(
        file,
        () => undefined,
        () => [],
      );
      await Promise.all([1, 2, 3].map((n) => first.append({ n })));
      await first.close();
      await appendFile(file, '{"n": 4');
      const seen: unknown[] = [];
      const second = await openJournal<{ n: number }>(
        file,
        (entry) => seen.push(entry),
        () => [{ n: 3 }],
      );
      await second.close();
      expect(seen).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      expect(await readFile(file, 'utf8')).toBe('{"n":3}\n');
      await appendFile(file, 'not json\n{"n":5}\n');
      await expect(
        openJournal(
          file,
          () => undefined,
          () => [],
        ),
      ).rejects.toMatchObject({ code: 'AGORA_STATE_CORRUPT' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('why a bid waits', () => {
  it('names the first thing short of the replicas: asks, resources, price, then free fills', () => {
    const book = createOrderBook();
    expect(book.whyWaiting(addBid(book, 'early', 5n), now)).toMatchObject({ reason: 'no-asks' });
    addAsk(book, 'a', 1, 2n);
    addAsk(book, 'a-again', 1, 1n);
    addAsk(book, 'b', 2, 3n, { resources: { ...resources, cpuCores: 2 } });
    addAsk(book, 'c', 3, 4n);

    // Five replicas, three providers: the repeat ask of provider 1 does not count twice.
    expect(book.whyWaiting(addBid(book, 'five', 10n, 5), now)).toEqual({
      reason: 'not-enough-providers',
      message: '3 providers sell compute for this token now; it needs 5 distinct providers.',
    });
    expect(book.whyWaiting(addBid(book, 'big', 10n, 3, { minCpuCores: 8 }), now)).toEqual({
      reason: 'resources-unavailable',
      message: '2 of 3 providers offer the resources and stake the bid asks for; it needs 3 distinct providers.',
    });
    // Two providers with eight cores: provider 1 at 1, provider 3 at 4; the second of them sets the least price.
    expect(book.whyWaiting(addBid(book, 'cheap', 3n, 2, { minCpuCores: 8 }), now)).toEqual({
      reason: 'price-below-asks',
      message:
        'Its max price of 3 base units per fuel is below 4, the least at which 2 providers with what it asks for sell.',
    });
    const fair = addBid(book, 'fair', 4n, 2, { minCpuCores: 8 });
    expect(book.whyWaiting(fair, now)).toBeUndefined();
    expect(book.matchBid(fair, now)).toBeDefined();
  });

  it('tells a bid whose providers are all taken that it waits for fills, and one for another mode that none sells it', () => {
    const book = createOrderBook();
    addAsk(book, 'only', 1, 2n, { volume: 1 });
    expect(book.matchBid(addBid(book, 'first', 5n), now)).toBeDefined();
    expect(book.whyWaiting(addBid(book, 'second', 5n), now)).toMatchObject({ reason: 'asks-busy' });
    const other = addBid(book, 'other-mode', 5n);
    other.bid.mode = 1;
    expect(book.whyWaiting(other, now)).toEqual({
      reason: 'mode-unavailable',
      message: '0 of 1 providers offer this verification mode; it needs 1 distinct provider.',
    });
  });
});
