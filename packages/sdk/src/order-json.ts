// Signed orders as they travel over HTTP (matcher API, agent `/ask`): JSON with amounts as decimal strings, so no
// number is rounded, parsed back with zod into the typed orders the contracts take.
import { type Address, type Hex, getAddress, isAddress } from 'viem';
import { z } from 'zod';
import type { SignedAsk, SignedBid } from './actions.js';

const hex = z.string().regex(/^0x([0-9a-fA-F]{2})*$/, 'hex bytes with a 0x prefix');
const address = z
  .string()
  .refine((value) => isAddress(value, { strict: false }), 'an 0x-prefixed 20-byte address')
  .transform((value): Address => getAddress(value));
const uint = (bits: number) =>
  z
    .union([z.string().regex(/^\d{1,78}$/, 'a whole number as a decimal string'), z.number().int().nonnegative()])
    .transform((value) => BigInt(value))
    .refine((value) => value < 1n << BigInt(bits), `at most 2^${bits}-1`);
const small = (max: number) => z.number().int().min(0).max(max);
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, '32 bytes as hex');
const signature = z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'a 65-byte signature (r, s, v) as hex');

export const signedAskJsonSchema = z.object({
  ask: z.object({
    provider: address,
    token: address,
    pricePerFuel: uint(256),
    resources: uint(256),
    modes: small(2 ** 32 - 1),
    volume: small(2 ** 32 - 1),
    expiry: uint(64),
    nonce: uint(64),
  }),
  signature: signature.transform((value) => value as Hex),
});

export const signedBidJsonSchema = z.object({
  bid: z.object({
    client: address,
    token: address,
    appCid: hex.transform((value) => value as Hex),
    inputCid: hex.transform((value) => value as Hex),
    maxFuel: uint(64),
    maxPricePerFuel: uint(256),
    replicas: small(255),
    quorum: small(255),
    mode: small(255),
    deadline: uint(64),
    nonce: uint(64),
    encryptionKey: bytes32.transform((value) => value as Hex),
    matcher: address,
  }),
  signature: signature.transform((value) => value as Hex),
});

const decimal = (_: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value);

/** A signed order as JSON text, amounts as decimal strings. */
export function orderToJson(order: SignedAsk | SignedBid, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...order, ...extra }, decimal);
}

/** A signed order as a plain JSON value, amounts as decimal strings. */
export function orderToPlain(order: SignedAsk | SignedBid): Record<string, unknown> {
  return JSON.parse(orderToJson(order)) as Record<string, unknown>;
}
