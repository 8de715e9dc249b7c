import type { Address, Hex } from 'viem';

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
};
