import {
  type Address,
  type Hex,
  createPublicClient,
  createWalletClient,
  hashTypedData,
  http,
  keccak256,
  toHex,
  zeroAddress,
  zeroHash,
} from 'viem';
import { type LocalAccount, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';

import {
  type Ask,
  type Bid,
  type Deployment,
  agoraChain,
  askTypes,
  bidTypes,
  computeMarketDomain,
  createAgoraClient,
  nonceOf,
} from '../src/index.js';
import { createOrderHasher, createSignatureVerifier } from '../src/order-signatures.js';
import { loadSecp256k1 } from '../src/secp256k1.js';

const market: Address = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const domain = computeMarketDomain(31337, market);
const client = privateKeyToAccount(keccak256(toHex('client')));
const provider = privateKeyToAccount(keccak256(toHex('provider')));
const curveOrder = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function bidOf(i: number): Bid {
  return {
    client: client.address,
    token: '0x0000000000000000000000000000000000000fa1',
    appCid: toHex(`app-${i}`.repeat((i % 7) + 1)),
    inputCid: i % 3 === 0 ? '0x00' : toHex(`input-${i}`),
    maxFuel: BigInt(i) * 1_000_003n + 1n,
    maxPricePerFuel: (1n << BigInt(i % 200)) + BigInt(i),
    replicas: (i % 16) + 1,
    quorum: (i % 9) + 1,
    mode: i % 4,
    deadline: 1_700_000_000n + BigInt(i),
    nonce: nonceOf(i * 7919, i),
    encryptionKey: i % 2 ? zeroHash : keccak256(toHex(i)),
    matcher: i % 5 ? provider.address : zeroAddress,
  };
}

function askOf(i: number): Ask {
  return {
    provider: provider.address,
    token: '0x0000000000000000000000000000000000000fa1',
    pricePerFuel: BigInt(i) ** 5n,
    resources: (1n << BigInt(i % 256)) - 1n,
    modes: i % 16,
    volume: i * 1000,
    expiry: BigInt(i) << 20n,
    nonce: BigInt(i) * 1_000_000_007n,
  };
}

/** The same signature with s replaced by n - s and v flipped: valid on the curve, refused as malleable. */
function malleate(signature: Hex): Hex {
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = Number.parseInt(signature.slice(130), 16);
  return `${signature.slice(0, 66)}${(curveOrder - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
}

describe('order hashing', () => {
  const hasher = createOrderHasher(31337, market);

  it('gives the EIP-712 digest viem gives, for bids and asks across field widths', () => {
    for (let i = 0; i < 60; i++) {
      const bid = bidOf(i);
      expect(toHex(hasher.bid(bid))).toBe(hashTypedData({ domain, types: bidTypes, primaryType: 'Bid', message: bid }));
      const ask = askOf(i);
      expect(toHex(hasher.ask(ask))).toBe(hashTypedData({ domain, types: askTypes, primaryType: 'Ask', message: ask }));
    }
  });

  it("signs through the SDK client exactly as viem's typed-data signing does", async () => {
    // Nothing here reaches a node: signing is local.
    const chain = agoraChain({ chainId: 31337, rpcUrl: 'http://127.0.0.1:9' });
    const publicClient = createPublicClient({ chain, transport: http() });
    const deployment = { chainId: 31337, contracts: { computeMarket: market } } as unknown as Deployment;
    const wallet = (account: LocalAccount) => createWalletClient({ account, chain, transport: http() });
    const asClient = createAgoraClient({ publicClient, wallet: wallet(client), deployment });
    const asProvider = createAgoraClient({ publicClient, wallet: wallet(provider), deployment });
    for (let i = 0; i < 10; i++) {
      const bid = bidOf(i);
      expect((await asClient.signBid(bid)).signature).toBe(
        await client.signTypedData({ domain, types: bidTypes, primaryType: 'Bid', message: bid }),
      );
      const ask = askOf(i);
      expect((await asProvider.signAsk(ask)).signature).toBe(
        await provider.signTypedData({ domain, types: askTypes, primaryType: 'Ask', message: ask }),
      );
    }
  });

  it('binds the digest to the chain and the market', () => {
    const bid = bidOf(1);
    const digest = toHex(hasher.bid(bid));
    expect(toHex(createOrderHasher(1, market).bid(bid))).not.toBe(digest);
    expect(toHex(createOrderHasher(31337, client.address).bid(bid))).not.toBe(digest);
  });
});

it('checks signatures with our libsecp256k1 build (the test setup builds it with clang)', () => {
  expect(loadSecp256k1().backend).toBe('libsecp256k1-wasm');
});

describe.each([
  ['the best available build', loadSecp256k1()],
  ['tiny-secp256k1', loadSecp256k1('tiny')],
])('signature verification with %s', (_, curve) => {
  const hasher = createOrderHasher(31337, market);

  it('accepts the signer, refuses anyone else, a changed order, a malleated or malformed signature', async () => {
    const verifier = createSignatureVerifier({ curve });
    for (let i = 0; i < 3; i++) {
      // The first order of a signer recovers its key, the later ones verify against the kept key: both paths.
      const bid = bidOf(i);
      const signature = await client.signTypedData({ domain, types: bidTypes, primaryType: 'Bid', message: bid });
      const digest = hasher.bid(bid);
      expect(verifier.verify(client.address, digest, signature)).toBe(true);
      expect(verifier.verify(provider.address, digest, signature)).toBe(false);
      expect(
        verifier.verify(client.address, hasher.bid({ ...bid, maxPricePerFuel: bid.maxPricePerFuel + 1n }), signature),
      ).toBe(false);
      expect(verifier.verify(client.address, digest, malleate(signature))).toBe(false);
      expect(verifier.verify(client.address, digest, `${signature.slice(0, 130)}01` as Hex)).toBe(false);
      expect(verifier.verify(client.address, digest, signature.slice(0, 100) as Hex)).toBe(false);
      expect(verifier.verify(client.address, digest, `0x${'zz'.repeat(65)}`)).toBe(false);
    }
    const ask = askOf(5);
    const signature = await provider.signTypedData({ domain, types: askTypes, primaryType: 'Ask', message: ask });
    // A fresh verifier must not accept a signature with the wrong recovery bit just because the key is unknown.
    const fresh = createSignatureVerifier({ curve });
    const flipped = `${signature.slice(0, 130)}${signature.endsWith('1b') ? '1c' : '1b'}` as Hex;
    expect(fresh.verify(provider.address, hasher.ask(ask), flipped)).toBe(false);
    expect(fresh.verify(provider.address, hasher.ask(ask), signature)).toBe(true);
  });
});
