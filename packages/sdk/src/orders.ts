import { type Address, type Hex, encodeAbiParameters, keccak256 } from 'viem';

/** The EIP-712 domain the compute market verifies orders against: bound to the chain and the contract. */
export function computeMarketDomain(chainId: number, market: Address) {
  return { name: 'Agora Compute', version: '1', chainId, verifyingContract: market } as const;
}

export const askTypes = {
  Ask: [
    { name: 'provider', type: 'address' },
    { name: 'token', type: 'address' },
    { name: 'pricePerFuel', type: 'uint256' },
    { name: 'resources', type: 'uint256' },
    { name: 'modes', type: 'uint32' },
    { name: 'volume', type: 'uint32' },
    { name: 'expiry', type: 'uint64' },
    { name: 'nonce', type: 'uint64' },
  ],
} as const;

export const bidTypes = {
  Bid: [
    { name: 'client', type: 'address' },
    { name: 'token', type: 'address' },
    { name: 'appCid', type: 'bytes' },
    { name: 'inputCid', type: 'bytes' },
    { name: 'maxFuel', type: 'uint64' },
    { name: 'maxPricePerFuel', type: 'uint256' },
    { name: 'replicas', type: 'uint8' },
    { name: 'quorum', type: 'uint8' },
    { name: 'mode', type: 'uint8' },
    { name: 'deadline', type: 'uint64' },
    { name: 'nonce', type: 'uint64' },
    { name: 'encryptionKey', type: 'bytes32' },
  ],
} as const;

/** A provider's offer to run tasks; see `Ask` in contracts/src/types/Orders.sol. */
export type Ask = {
  provider: Address;
  token: Address;
  pricePerFuel: bigint;
  resources: bigint;
  modes: number;
  volume: number;
  expiry: bigint;
  nonce: bigint;
};

/** A client's request for a task; see `Bid` in contracts/src/types/Orders.sol. */
export type Bid = {
  client: Address;
  token: Address;
  appCid: Hex;
  inputCid: Hex;
  maxFuel: bigint;
  maxPricePerFuel: bigint;
  replicas: number;
  quorum: number;
  mode: number;
  deadline: bigint;
  nonce: bigint;
  encryptionKey: Hex;
};

/** The record of a matched task, emitted in `TaskMatched` and passed back to every later call. */
export type Task = {
  client: Address;
  token: Address;
  matcher: Address;
  pricePerFuel: bigint;
  maxFuel: bigint;
  quorum: number;
  protocolFeeBps: number;
  matcherFeeBps: number;
  commitDeadline: bigint;
  revealDeadline: bigint;
  providers: readonly Address[];
};

/** Verification modes, as bit positions in `Ask.modes` and values of `Bid.mode`. */
export const verificationMode = { replicated: 0, optimistic: 1, tee: 2, zk: 3 } as const;

/** Task status as stored on-chain. */
export const taskStatus = { none: 0, matched: 1, finalized: 2, failed: 3, cancelled: 4 } as const;

/** The id of the task a bid of `client` with `nonce` becomes: `keccak256(abi.encode(client, nonce))`. */
export function taskIdOf(client: Address, nonce: bigint): Hex {
  return keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint64' }], [client, nonce]));
}

/**
 * The commitment a provider posts before revealing its result.
 * @example
 * const commitment = commitmentOf({ taskId, provider, resultHash, fuelUsed: 1234n, salt })
 */
export function commitmentOf(args: {
  taskId: Hex;
  provider: Address;
  resultHash: Hex;
  fuelUsed: bigint;
  salt: Hex;
}): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'address' }, { type: 'bytes32' }, { type: 'uint64' }, { type: 'bytes32' }],
      [args.taskId, args.provider, args.resultHash, args.fuelUsed, args.salt],
    ),
  );
}

/** What escrow locks for a task: `maxFuel × price × replicas` plus protocol and matcher fees. */
export function lockAmount(args: {
  pricePerFuel: bigint;
  maxFuel: bigint;
  replicas: number;
  protocolFeeBps: number;
  matcherFeeBps: number;
}): bigint {
  const base = args.pricePerFuel * args.maxFuel * BigInt(args.replicas);
  return base + (base * BigInt(args.protocolFeeBps)) / 10_000n + (base * BigInt(args.matcherFeeBps)) / 10_000n;
}
