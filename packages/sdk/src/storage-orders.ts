import type { Address, Hex } from 'viem';
import { z } from 'zod';

/** The EIP-712 domain the storage market verifies orders against: bound to the chain and the contract. */
export function storageMarketDomain(chainId: number, market: Address) {
  return { name: 'Agora Storage', version: '1', chainId, verifyingContract: market } as const;
}

export const storageAskTypes = {
  StorageAsk: [
    { name: 'provider', type: 'address' },
    { name: 'token', type: 'address' },
    { name: 'pricePerGiBPeriod', type: 'uint256' },
    { name: 'maxCollateralPerGiB', type: 'uint256' },
    { name: 'maxBytes', type: 'uint64' },
    { name: 'maxPeriods', type: 'uint32' },
    { name: 'volume', type: 'uint32' },
    { name: 'expiry', type: 'uint64' },
    { name: 'nonce', type: 'uint64' },
  ],
} as const;

export const storageBidTypes = {
  StorageBid: [
    { name: 'client', type: 'address' },
    { name: 'token', type: 'address' },
    { name: 'root', type: 'bytes32' },
    { name: 'size', type: 'uint64' },
    { name: 'cid', type: 'bytes' },
    { name: 'periods', type: 'uint32' },
    { name: 'replicas', type: 'uint8' },
    { name: 'maxPricePerGiBPeriod', type: 'uint256' },
    { name: 'collateralPerGiB', type: 'uint256' },
    { name: 'deadline', type: 'uint64' },
    { name: 'nonce', type: 'uint64' },
    { name: 'matcher', type: 'address' },
  ],
} as const;

export const storageRenewalTypes = {
  StorageRenewal: [
    { name: 'dealId', type: 'uint256' },
    { name: 'fromPeriods', type: 'uint32' },
    { name: 'extraPeriods', type: 'uint32' },
    { name: 'deadline', type: 'uint64' },
  ],
} as const;

/** A provider's offer to store data; see `StorageAsk` in contracts/src/types/StorageOrders.sol. */
export type StorageAsk = {
  provider: Address;
  token: Address;
  pricePerGiBPeriod: bigint;
  maxCollateralPerGiB: bigint;
  maxBytes: bigint;
  maxPeriods: number;
  volume: number;
  expiry: bigint;
  nonce: bigint;
};

/** A client's request to store one file; see `StorageBid` in contracts/src/types/StorageOrders.sol. */
export type StorageBid = {
  client: Address;
  token: Address;
  root: Hex;
  size: bigint;
  cid: Hex;
  periods: number;
  replicas: number;
  maxPricePerGiBPeriod: bigint;
  collateralPerGiB: bigint;
  deadline: bigint;
  nonce: bigint;
  /** The one matcher that may submit it with `matchDeal`; zero for a bid its client opens itself. */
  matcher: Address;
};

const hexAddress = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an 0x-prefixed 20-byte hex address') as z.ZodType<Address>;
const units = z
  .string()
  .regex(/^\d+$/, 'a whole number of base units, as a string')
  .transform((value) => BigInt(value));
const hexBytes = z.string().regex(/^0x([0-9a-fA-F]{2})*$/, 'hex bytes') as z.ZodType<Hex>;

/** A signed storage ask on the wire (agents serve it, matchers take it): amounts as decimal strings. */
export const signedStorageAskJsonSchema = z.object({
  ask: z.object({
    provider: hexAddress,
    token: hexAddress,
    pricePerGiBPeriod: units,
    maxCollateralPerGiB: units,
    maxBytes: units,
    maxPeriods: z
      .number()
      .int()
      .min(1)
      .max(2 ** 32 - 1),
    volume: z
      .number()
      .int()
      .min(1)
      .max(2 ** 32 - 1),
    expiry: units,
    nonce: units,
  }),
  signature: hexBytes,
  endpoint: z.url().optional(),
});

/** A signed storage bid on the wire. */
export const signedStorageBidJsonSchema = z.object({
  bid: z.object({
    client: hexAddress,
    token: hexAddress,
    root: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'a 32-byte Merkle root') as z.ZodType<Hex>,
    size: units,
    cid: hexBytes,
    periods: z
      .number()
      .int()
      .min(1)
      .max(2 ** 32 - 1),
    replicas: z.number().int().min(1).max(16),
    maxPricePerGiBPeriod: units,
    collateralPerGiB: units,
    deadline: units,
    nonce: units,
    matcher: hexAddress,
  }),
  signature: hexBytes,
});

export type SignedStorageAsk = { ask: StorageAsk; signature: Hex; endpoint?: string | undefined };
export type SignedStorageBid = { bid: StorageBid; signature: Hex };

/** An order with its bigints as decimal strings, ready for JSON. */
export function storageOrderToJson<T extends object>(order: T): unknown {
  return JSON.parse(
    JSON.stringify(order, (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)),
  );
}
