import { type Hex, getAddress } from 'viem';
import { describe, expect, it } from 'vitest';

import {
  AgoraError,
  type Ask,
  type Bid,
  type Task,
  decodeSettlement,
  decodeTaskMatched,
  decodeTaskRecord,
  encodeOrders,
  encodeTaskRecord,
  isVerifiedByModule,
  laneOf,
  nonceOf,
} from '../src/index.js';

const task: Task = {
  client: getAddress('0x70997970c51812dc3a010c7d01b50e0d17dc79c8'),
  nonce: nonceOf(7, 42),
  token: getAddress('0x5fbdb2315678afecb367f032d93f642f64180aa3'),
  matcher: getAddress('0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc'),
  pricePerFuel: 2n,
  maxFuel: 1_000_000n,
  quorum: 2,
  protocolFeeBps: 100,
  matcherFeeBps: 50,
  commitDeadline: 1_800_000_600n,
  revealDeadline: 1_800_001_200n,
  previous: `0x${'ab'.repeat(23)}`,
  mode: 0,
  providers: [
    getAddress('0x90f79bf6eb2c4f870365e785982e1f101e93b906'),
    getAddress('0x15d34aaf54267db7d7c367839aaf71a00a2c6a65'),
    getAddress('0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc'),
  ],
};

describe('task records', () => {
  it('packs a 3-replica record into 197 bytes and reads it back unchanged', () => {
    const record = encodeTaskRecord(task);
    expect((record.length - 2) / 2).toBe(137 + 3 * 20);
    expect(decodeTaskRecord(record)).toEqual(task);
  });

  it('refuses bytes that are not a record, saying what a record is', () => {
    const truncated = encodeTaskRecord(task).slice(0, -2) as Hex;
    expect(() => decodeTaskRecord(truncated)).toThrow(AgoraError);
    expect(() => decodeTaskRecord(truncated)).toThrow(/137 bytes plus 20 per provider; got 196 bytes/);
  });

  it('sends drawn replicas and other modes to their verifier, one-replica and unseated tasks to the market', () => {
    const single = { ...task, providers: task.providers.slice(0, 1) };
    expect(isVerifiedByModule(encodeTaskRecord(task))).toBe(true);
    expect(isVerifiedByModule(encodeTaskRecord(single))).toBe(false);
    expect(isVerifiedByModule(encodeTaskRecord({ ...single, mode: 1 }))).toBe(true);
    // A pending record ends with its 45-byte draw tail in place of providers.
    const pending = `${encodeTaskRecord({ ...task, providers: [] })}${'00'.repeat(45)}` as Hex;
    expect(isVerifiedByModule(pending)).toBe(false);
  });
});

describe('market events', () => {
  const appCid: Hex = `0x0155${'11'.repeat(34)}`;
  const inputCid: Hex = `0x0155${'22'.repeat(4)}`;
  const key: Hex = `0x${'0e'.repeat(32)}`;
  const terms: Hex = `${key}24${appCid.slice(2)}06${inputCid.slice(2)}${encodeTaskRecord(task).slice(2)}`;

  it('reads TaskMatched terms: the encryption key, both CIDs after their lengths, then the record', () => {
    expect(decodeTaskMatched(terms)).toEqual({
      encryptionKey: key,
      appCid,
      inputCid,
      record: encodeTaskRecord(task),
      task,
    });
  });

  it('refuses TaskMatched terms cut inside the CIDs or the record, saying where', () => {
    expect(() => decodeTaskMatched(terms.slice(0, 2 + 2 * 40) as Hex)).toThrow(/inside the bid's CIDs/);
    expect(() => decodeTaskMatched(terms.slice(0, -2) as Hex)).toThrow(/137 bytes plus 20 per provider/);
  });

  it('unpacks TaskSettled.settlement from the top: status, fuel, paid and slashed masks, charged', () => {
    const word = (3n << 224n) | (1234n << 160n) | (0b101n << 144n) | (0b010n << 128n) | (2n ** 100n + 7n);
    expect(decodeSettlement(word)).toEqual({
      status: 3,
      fuelUsed: 1234n,
      paidMask: 0b101n,
      slashedMask: 0b010n,
      charged: 2n ** 100n + 7n,
    });
  });
});

describe('packed orders', () => {
  const bid: Bid = {
    client: task.client,
    token: task.token,
    appCid: `0x01551220${'11'.repeat(32)}`,
    inputCid: `0x01551220${'22'.repeat(32)}`,
    maxFuel: 1_000_000n,
    maxPricePerFuel: 3n,
    replicas: 1,
    quorum: 1,
    mode: 0,
    deadline: 1_800_000_000n,
    nonce: nonceOf(7, 42),
    encryptionKey: `0x${'00'.repeat(32)}`,
    matcher: task.matcher,
  };
  const ask: Ask = {
    provider: task.providers[0]!,
    token: task.token,
    pricePerFuel: 2n,
    resources: 5n,
    modes: 1,
    volume: 10,
    expiry: 1_800_000_100n,
    nonce: 9n,
  };
  const signature: Hex = `0x${'cd'.repeat(65)}`;

  it('lays out the bid, its signature, then each ask and its signature, with nothing between', () => {
    const orders = encodeOrders(bid, signature, [{ ask, signature }]);
    const bytes = (orders.length - 2) / 2;
    // bid head 131, two 36-byte CIDs with a length byte each, a 65-byte signature with a 2-byte length; ask 108 + 2 + 65.
    expect(bytes).toBe(131 + 37 + 37 + 67 + 108 + 67);
    expect(orders.slice(2, 42)).toBe(bid.client.slice(2).toLowerCase());
    const askAt = 2 + 2 * (131 + 37 + 37 + 67);
    expect(orders.slice(askAt, askAt + 40)).toBe(ask.provider.slice(2).toLowerCase());
    // A fill carries no bid signature: a zero length.
    expect((encodeOrders(bid, '0x', [{ ask, signature }]).length - 2) / 2).toBe(bytes - 65);
  });

  it('refuses an ask paid in another token, and a CID the layout cannot hold, saying why', () => {
    const other = { ...ask, token: task.matcher };
    expect(() => encodeOrders(bid, signature, [{ ask: other, signature }])).toThrow(/is paid in .*, the bid pays in/);
    const longCid: Hex = `0x${'aa'.repeat(256)}`;
    expect(() => encodeOrders({ ...bid, appCid: longCid }, signature, [])).toThrow(/app CID must be 1 to 255 bytes/);
  });
});

describe('lane nonces', () => {
  it('puts the lane in the high 32 bits and the sequence in the low 32', () => {
    expect(nonceOf(1, 5)).toBe((1n << 32n) | 5n);
    expect(laneOf(nonceOf(0xffffffff, 0xfffffffe))).toEqual({ lane: 0xffffffff, seq: 0xfffffffe });
  });

  it('refuses a lane or sequence out of range (the last sequence can never be matched)', () => {
    expect(() => nonceOf(-1, 1)).toThrow(/lane must be an integer from 0 to 2\^32-1/);
    expect(() => nonceOf(1, 0xffffffff)).toThrow(/sequence must be an integer from 0 to 2\^32-2/);
  });
});
