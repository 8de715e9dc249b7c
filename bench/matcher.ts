// Matcher throughput, one core: order ingest (JSON parse, schema, expiry and token checks, EIP-712 hash, signature
// check, book insert, journal append with group commit) and the matching loop alone. Writes bench/results/matcher.json.
//
// Not in ingest: HTTP and the chain checks (nonce, escrow, stake), which are reads of chain state the service makes
// per order; on a busy matcher they are the part to batch or cache per block.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createOrderBook, createOrderChecks, openJournal } from '@agora/matcher';
import {
  type Ask,
  type Bid,
  createOrderHasher,
  decodeResources,
  nonceOf,
  orderToJson,
  secp256k1 as curve,
} from '@agora/sdk';
import * as secp256k1 from 'tiny-secp256k1';
import { type Address, type Hex, bytesToHex, keccak256, toHex, zeroHash } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';

const chainId = 31337;
const market: Address = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const token: Address = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512';
const matcher: Address = privateKeyToAddress(keccak256(toHex('matcher')));
const hasher = createOrderHasher(chainId, market);
const now = BigInt(Math.floor(Date.now() / 1000));

function keyOf(label: string): Hex {
  return keccak256(toHex(label));
}

/** Signs a digest as `r ‖ s ‖ v` (v = 27 + recovery bit), as wallets do for EIP-712. */
function sign(digest: Uint8Array, key: Hex): Hex {
  const { signature, recoveryId } = secp256k1.signRecoverable(digest, Buffer.from(key.slice(2), 'hex'));
  return `${bytesToHex(signature)}${(27 + recoveryId).toString(16)}` as Hex;
}

const clients = Array.from({ length: 100 }, (_, i) => {
  const key = keyOf(`client ${i}`);
  return { key, address: privateKeyToAddress(key) };
});
const providers = Array.from({ length: 50 }, (_, i) => {
  const key = keyOf(`provider ${i}`);
  return { key, address: privateKeyToAddress(key) };
});

function bidAt(i: number): Bid {
  const client = clients[i % clients.length]!;
  return {
    client: client.address,
    token,
    appCid: '0x01551220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    inputCid: `0x01551220${(i + 1).toString(16).padStart(64, '0')}`,
    maxFuel: 100_000_000n,
    maxPricePerFuel: 5n + BigInt(i % 20),
    replicas: [1, 3, 1, 1, 3][i % 5]!,
    quorum: [1, 2, 1, 1, 2][i % 5]!,
    mode: 0,
    deadline: now + 3600n,
    nonce: nonceOf(i + 1, 1),
    encryptionKey: zeroHash,
    matcher,
  };
}

function askAt(i: number): Ask {
  const provider = providers[i % providers.length]!;
  return {
    provider: provider.address,
    token,
    pricePerFuel: 2n + BigInt(i % 15),
    resources: 8n | (16_384n << 16n) | (1n << 88n),
    modes: 1,
    volume: 1_000_000,
    expiry: now + 3600n,
    nonce: BigInt(i + 1),
  };
}

function signedBidJson(i: number): string {
  const bid = bidAt(i);
  return orderToJson({ bid, signature: sign(hasher.bid(bid), clients[i % clients.length]!.key) });
}

function signedAskJson(i: number): string {
  const ask = askAt(i);
  return orderToJson({ ask, signature: sign(hasher.ask(ask), providers[i % providers.length]!.key) });
}

async function measureIngest(orders: string[], kinds: ('ask' | 'bid')[]) {
  const dir = await mkdtemp(path.join(tmpdir(), 'agora-bench-matcher-'));
  try {
    const checks = createOrderChecks({ chainId, market, matcher, paymentTokens: [token] });
    const book = createOrderBook();
    const journal = await openJournal<{ t: string; order: unknown; stake?: string; available?: number }>(
      path.join(dir, 'book.jsonl'),
      () => undefined,
      () => [],
    );
    const appended: Promise<void>[] = [];
    const started = performance.now();
    for (let i = 0; i < orders.length; i++) {
      const body = JSON.parse(orders[i]!) as unknown;
      if (kinds[i] === 'ask') {
        const { signed, hash } = checks.ask(body);
        book.addAsk({
          hash,
          signed,
          ask: signed.ask,
          resources: decodeResources(signed.ask.resources),
          stake: 0n,
          available: signed.ask.volume,
        });
        appended.push(journal.append({ t: 'ask', order: body, stake: '0', available: signed.ask.volume }));
      } else {
        const { signed, requirements, hash } = checks.bid(body);
        book.addBid({ hash, signed, bid: signed.bid, requirements, maxLock: 0n });
        appended.push(journal.append({ t: 'bid', order: body }));
      }
      // Every 500 orders the loop yields so the journal's group commits run, as they would between requests.
      if (i % 500 === 499) await Promise.all(appended.splice(0));
    }
    await Promise.all(appended);
    const seconds = (performance.now() - started) / 1000;
    await journal.close();
    return { ordersPerSec: orders.length / seconds, orders: orders.length, seconds, book: book.size() };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A book holding `count` unsigned asks (the matching loop never looks at signatures). */
function bookWithAsks(count: number) {
  const book = createOrderBook();
  for (let i = 0; i < count; i++) {
    const ask = askAt(i);
    book.addAsk({
      hash: `ask-${i}`,
      signed: { ask, signature: '0x' },
      ask,
      resources: decodeResources(ask.resources),
      stake: 10n ** 22n,
      available: ask.volume,
    });
  }
  return book;
}

function measureMatching(bids: number, asks: number) {
  const book = bookWithAsks(asks);
  const entries = Array.from({ length: bids }, (_, i) => {
    const bid = bidAt(i);
    return book.addBid({
      hash: `bid-${i}`,
      signed: { bid, signature: '0x' },
      bid,
      requirements: i % 4 === 0 ? { region: 1, minCpuCores: 4 } : {},
      maxLock: 0n,
    });
  });
  const started = performance.now();
  let matched = 0;
  for (const bid of entries) if (book.matchBid(bid, now)) matched += 1;
  const seconds = (performance.now() - started) / 1000;

  // The batch auction over a fresh book of the same orders: clearing price and allocation in one pass.
  const batchBook = bookWithAsks(asks);
  for (let i = 0; i < bids; i++) {
    const bid = bidAt(i);
    batchBook.addBid({ hash: `bid-${i}`, signed: { bid, signature: '0x' }, bid, requirements: {}, maxLock: 0n });
  }
  const batchStarted = performance.now();
  const auction = batchBook.auction(now, 42);
  const batchSeconds = (performance.now() - batchStarted) / 1000;
  return {
    perSec: matched / seconds,
    matched,
    bids,
    asks,
    seconds,
    batch: {
      perSec: auction.matches.length / batchSeconds,
      matched: auction.matches.length,
      seconds: batchSeconds,
      clearingPrice: [...auction.clearingPrices.values()][0]?.toString() ?? null,
    },
  };
}

const orderCount = Number(process.env.BENCH_ORDERS ?? 20_000);
console.log(`signing ${orderCount} orders…`);
const kinds = Array.from({ length: orderCount }, (_, i) => (i % 10 === 0 ? 'ask' : 'bid'));
const orders = kinds.map((kind, i) => (kind === 'ask' ? signedAskJson(i) : signedBidJson(i)));

// Warm-up: the JIT, the WebAssembly module, and every signer's key recovered once (a live matcher has seen them).
await measureIngest(orders.slice(0, 2_000), kinds.slice(0, 2_000));
const runs = [];
for (let run = 0; run < 3; run++) runs.push(await measureIngest(orders, kinds));
const ingest = runs.sort((a, b) => a.ordersPerSec - b.ordersPerSec)[1]!;

// Cold signers: every order from a signer the matcher has not seen, so every check is a full key recovery.
const coldKeys = Array.from({ length: 3_000 }, (_, i) => keyOf(`cold ${i}`));
const coldOrders = coldKeys.map((key, i) => {
  const bid = { ...bidAt(i), client: privateKeyToAddress(key) };
  return orderToJson({ bid, signature: sign(hasher.bid(bid), key) });
});
const cold = await measureIngest(
  coldOrders,
  coldOrders.map(() => 'bid'),
);

const matching = measureMatching(100_000, 200);

const results = {
  'ingest.ordersPerSec': Math.round(ingest.ordersPerSec),
  'ingest.coldSignerOrdersPerSec': Math.round(cold.ordersPerSec),
  'match.perSec': Math.round(matching.perSec),
  'match.batch.perSec': Math.round(matching.batch.perSec),
  details: {
    signatureBackend: curve().backend,
    ingest: {
      orders: ingest.orders,
      seconds: ingest.seconds,
      runs: runs.map((r) => Math.round(r.ordersPerSec)),
      signers: clients.length + providers.length,
      asksOneInTen: true,
    },
    matching,
    machine: { node: process.version, cpus: (await import('node:os')).cpus()[0]?.model ?? 'unknown' },
  },
};
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/matcher.json', `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify({ ...results, details: undefined }, null, 2));
