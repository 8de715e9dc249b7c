import {
  zeroHash,
  type Address,
  type Hex,
  encodeAbiParameters,
  concat,
  encodePacked,
  getAddress,
  hexToBigInt,
  hexToNumber,
  keccak256,
  size,
  slice,
} from 'viem';

import { AgoraError } from './errors.js';

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
    { name: 'matcher', type: 'address' },
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
  /**
   * The one matcher that may submit the bid (and earn its fee): signed, not sent; the market checks the signature
   * with the caller of `matchOrders` here. Zero for a bid only its client fills.
   */
  matcher: Address;
};

/**
 * The orders `matchOrders` and `fill` take, packed as `OrderCalldataLib` lays them out: the bid, its signature, then
 * one ask per replica with its signature. They are signed as the EIP-712 `Bid` and `Ask` above; only the wire form
 * is packed (no padding, no offsets), which is about half the calldata of their ABI encoding. An ask carries no
 * token of its own on the wire: the contract checks its signature with the bid's token, so asks in another token
 * are refused here, with the reason, before they would fail there as a bad signature. `fill` sends no bid
 * signature (`'0x'`).
 */
export function encodeOrders(bid: Bid, bidSignature: Hex, asks: readonly { ask: Ask; signature: Hex }[]): Hex {
  const cid = (name: string, value: Hex) => {
    const length = size(value);
    if (length === 0 || length > 255) {
      throw new AgoraError('AGORA_INVALID_ARGUMENT', `the bid's ${name} must be 1 to 255 bytes; got ${length}`);
    }
    return encodePacked(['uint8', 'bytes'], [length, value]);
  };
  const signed = (signature: Hex) => {
    const length = size(signature);
    if (length > 0xffff) throw new AgoraError('AGORA_INVALID_ARGUMENT', `a signature of ${length} bytes is too long`);
    return encodePacked(['uint16', 'bytes'], [length, signature]);
  };
  const parts: Hex[] = [
    encodePacked(
      ['address', 'address', 'uint64', 'uint256', 'uint8', 'uint8', 'uint8', 'uint64', 'uint64', 'bytes32'],
      [
        bid.client,
        bid.token,
        bid.maxFuel,
        bid.maxPricePerFuel,
        bid.replicas,
        bid.quorum,
        bid.mode,
        bid.deadline,
        bid.nonce,
        bid.encryptionKey,
      ],
    ),
    cid('app CID', bid.appCid),
    cid('input CID', bid.inputCid),
    signed(bidSignature),
  ];
  for (const { ask, signature } of asks) {
    if (getAddress(ask.token) !== getAddress(bid.token)) {
      throw new AgoraError(
        'AGORA_ORDER_INVALID',
        `Provider ${ask.provider} is paid in ${ask.token}, the bid pays in ${bid.token}.`,
      );
    }
    parts.push(
      encodePacked(
        ['address', 'uint256', 'uint256', 'uint32', 'uint32', 'uint64', 'uint64'],
        [ask.provider, ask.pricePerFuel, ask.resources, ask.modes, ask.volume, ask.expiry, ask.nonce],
      ),
      signed(signature),
    );
  }
  return concat(parts);
}

/**
 * The terms of a matched task. On chain it travels packed (`encodeTaskRecord`): `TaskMatched` emits the record and
 * every later call (submit, commit, reveal, finalize) passes it back; the market stores only its hash.
 */
export type Task = {
  client: Address;
  /** The bid's nonce: lane in the high 32 bits, sequence in the low 32 (see `nonceOf`). */
  nonce: bigint;
  token: Address;
  matcher: Address;
  pricePerFuel: bigint;
  maxFuel: bigint;
  quorum: number;
  protocolFeeBps: number;
  matcherFeeBps: number;
  commitDeadline: bigint;
  revealDeadline: bigint;
  /** The head of the client's lane before this task (23 bytes), chaining the lane's tasks. */
  previous: Hex;
  /** The bid's verification mode (`verificationMode`): whose verifier settles the task. */
  mode: number;
  providers: readonly Address[];
};

const recordHead = [
  'address',
  'uint64',
  'address',
  'address',
  'uint128',
  'uint64',
  'uint8',
  'uint16',
  'uint16',
  'uint64',
  'uint64',
  'bytes23',
  'uint8',
] as const;
const recordHeadLength = 137;

/** The packed task record, byte for byte what `TaskRecordLib.encode` produces on chain. */
export function encodeTaskRecord(task: Task): Hex {
  const head = encodePacked(recordHead, [
    task.client,
    task.nonce,
    task.token,
    task.matcher,
    task.pricePerFuel,
    task.maxFuel,
    task.quorum,
    task.protocolFeeBps,
    task.matcherFeeBps,
    task.commitDeadline,
    task.revealDeadline,
    task.previous,
    task.mode,
  ]);
  return `${head}${task.providers.map((p) => p.slice(2).toLowerCase()).join('')}` as Hex;
}

/** Whether `length` bytes can be a seated record: the head and at least one 20-byte provider. */
function isSeatedLength(length: number): boolean {
  return length >= recordHeadLength + 20 && (length - recordHeadLength) % 20 === 0;
}

/**
 * Whether a record's task is settled by its mode's verifier rather than by the market: every task with drawn seats
 * or a mode other than replicated. A one-replica replicated task, and one whose seats were never drawn, are the
 * market's.
 */
export function isVerifiedByModule(record: Hex): boolean {
  const length = size(record);
  if (!isSeatedLength(length)) return false;
  const mode = hexToNumber(slice(record, 136, 137));
  return mode !== verificationMode.replicated || (length - recordHeadLength) / 20 > 1;
}

/** Reads a packed task record (from `TaskMatched`); throws AGORA_INVALID_ARGUMENT when it is not one. */
export function decodeTaskRecord(record: Hex): Task {
  const length = size(record);
  if (!isSeatedLength(length)) {
    throw new AgoraError(
      'AGORA_INVALID_ARGUMENT',
      `a task record is ${recordHeadLength} bytes plus 20 per provider; got ${length} bytes`,
    );
  }
  const field = (start: number, bytes: number) => slice(record, start, start + bytes);
  const uint = (start: number, bytes: number) => hexToBigInt(field(start, bytes));
  const providers: Address[] = [];
  for (let at = recordHeadLength; at < length; at += 20) providers.push(getAddress(field(at, 20)));
  return {
    client: getAddress(field(0, 20)),
    nonce: uint(20, 8),
    token: getAddress(field(28, 20)),
    matcher: getAddress(field(48, 20)),
    pricePerFuel: uint(68, 16),
    maxFuel: uint(84, 8),
    quorum: Number(uint(92, 1)),
    protocolFeeBps: Number(uint(93, 2)),
    matcherFeeBps: Number(uint(95, 2)),
    commitDeadline: uint(97, 8),
    revealDeadline: uint(105, 8),
    previous: field(113, 23),
    mode: Number(uint(136, 1)),
    providers,
  };
}

/** What `TaskMatched.terms` carries: the bid's content, then the task's record. */
export type MatchedTerms = {
  /** The packed record every later call passes back. */
  record: Hex;
  task: Task;
  appCid: Hex;
  inputCid: Hex;
  /** Zero when the bid named none. */
  encryptionKey: Hex;
};

/**
 * Reads `TaskMatched.terms`: the 32-byte encryption key, the app CID and the input CID (each after a one-byte
 * length), then the record to the end. Throws AGORA_INVALID_ARGUMENT when the bytes are not laid out so.
 */
export function decodeTaskMatched(terms: Hex): MatchedTerms {
  const length = size(terms);
  const lengthAt = (at: number) => {
    if (at >= length) {
      throw new AgoraError('AGORA_INVALID_ARGUMENT', `TaskMatched terms end at byte ${length}, inside the bid's CIDs`);
    }
    return Number(hexToBigInt(slice(terms, at, at + 1)));
  };
  const appCidLength = lengthAt(32);
  const inputCidAt = 33 + appCidLength;
  const inputCidLength = lengthAt(inputCidAt);
  const recordAt = inputCidAt + 1 + inputCidLength;
  const record = recordAt < length ? slice(terms, recordAt) : '0x';
  return {
    record,
    task: decodeTaskRecord(record),
    appCid: slice(terms, 33, inputCidAt),
    inputCid: slice(terms, inputCidAt + 1, recordAt),
    encryptionKey: slice(terms, 0, 32),
  };
}

/** What `TaskPending.terms` carries: the bid's content, then the pending record `seat` draws the task's seats for. */
export type PendingTerms = {
  /** The bid's content, as `seat` takes it back. */
  content: Hex;
  /** The pending record: the task's head, then replicas, the draw block, the pool size and the content hash. */
  record: Hex;
  replicas: number;
  /** The matcher the bid named (whoever seats the task, it is the one paid the matcher fee). */
  matcher: Address;
  /** The block whose hash seeds the draw: seats can be drawn from the next block on, for 256 blocks. */
  drawBlock: bigint;
};

const pendingTailLength = 45;

/** Reads `TaskPending.terms`; throws AGORA_INVALID_ARGUMENT when the bytes are not laid out so. */
export function decodeTaskPending(terms: Hex): PendingTerms {
  const length = size(terms);
  const recordAt = length - recordHeadLength - pendingTailLength;
  if (recordAt < 35) {
    throw new AgoraError('AGORA_INVALID_ARGUMENT', `TaskPending terms of ${length} bytes hold no pending record`);
  }
  const tail = recordAt + recordHeadLength;
  return {
    content: slice(terms, 0, recordAt),
    record: slice(terms, recordAt),
    replicas: Number(hexToBigInt(slice(terms, tail, tail + 1))),
    matcher: getAddress(slice(terms, recordAt + 48, recordAt + 68)),
    drawBlock: hexToBigInt(slice(terms, tail + 1, tail + 9)),
  };
}

/** `TaskSettled.settlement`, unpacked. */
export type Settlement = {
  /** `taskStatus.finalized` or `taskStatus.failed`. */
  status: number;
  fuelUsed: bigint;
  /** Bit i: provider i of the record was paid. */
  paidMask: bigint;
  /** Bit i: provider i of the record was slashed. */
  slashedMask: bigint;
  /** What the client paid in all (providers and fees); the rest of its lock was refunded. */
  charged: bigint;
};

/** Unpacks `TaskSettled.settlement` (status in bits 224-231, fuel 160-223, masks 144-159 and 128-143, charged 0-127). */
export function decodeSettlement(settlement: bigint): Settlement {
  const bits = (from: bigint, width: bigint) => (settlement >> from) & ((1n << width) - 1n);
  return {
    status: Number(bits(224n, 8n)),
    fuelUsed: bits(160n, 64n),
    paidMask: bits(144n, 16n),
    slashedMask: bits(128n, 16n),
    charged: bits(0n, 128n),
  };
}

/** The 184-bit record hash the market keeps as the lane's head while the task is open. */
export function taskRecordHash(record: Hex): Hex {
  return slice(keccak256(record), 0, 23);
}

/**
 * A bid nonce: a lane (one open task at a time, its storage reused by every task in it) and a sequence number that
 * only grows within the lane. A client with N tasks in flight uses N lanes.
 */
export function nonceOf(lane: number, seq: number): bigint {
  if (!Number.isInteger(lane) || lane < 0 || lane > 0xffffffff) {
    throw new AgoraError('AGORA_INVALID_ARGUMENT', `lane must be an integer from 0 to 2^32-1; got ${lane}`);
  }
  if (!Number.isInteger(seq) || seq < 0 || seq >= 0xffffffff) {
    throw new AgoraError('AGORA_INVALID_ARGUMENT', `sequence must be an integer from 0 to 2^32-2; got ${seq}`);
  }
  return (BigInt(lane) << 32n) | BigInt(seq);
}

/** A fresh lane: random from 1 to 2^32-1 (lane 0 is avoided so it never collides with a client counting lanes from 0). */
export function randomLane(): number {
  const [value] = globalThis.crypto.getRandomValues(new Uint32Array(1));
  return Math.max(1, value ?? 1);
}

/** The lane and sequence number of a bid nonce. */
export function laneOf(nonce: bigint): { lane: number; seq: number } {
  return { lane: Number(nonce >> 32n), seq: Number(nonce & 0xffffffffn) };
}

/**
 * A replicated-verification bid in a lane of its own (so tasks run side by side; sequence 1 of a fresh lane is
 * unused), with a majority quorum and no encryption key.
 * @example newBid({ client, token, appCid, inputCid, replicas: 3, maxPricePerFuel: 10n, maxFuel: 10n ** 8n, ttlSeconds: 600, matcher })
 */
export function newBid(terms: {
  client: Address;
  token: Address;
  appCid: Hex;
  inputCid: Hex;
  replicas: number;
  maxPricePerFuel: bigint;
  maxFuel: bigint;
  ttlSeconds: number;
  /** The matcher the bid is posted to, which alone may submit it. */
  matcher: Address;
  nonce?: bigint;
  deadline?: bigint;
}): Bid {
  return {
    client: terms.client,
    token: terms.token,
    appCid: terms.appCid,
    inputCid: terms.inputCid,
    maxFuel: terms.maxFuel,
    maxPricePerFuel: terms.maxPricePerFuel,
    replicas: terms.replicas,
    quorum: Math.floor(terms.replicas / 2) + 1,
    mode: verificationMode.replicated,
    deadline: terms.deadline ?? BigInt(Math.floor(Date.now() / 1000) + terms.ttlSeconds),
    nonce: terms.nonce ?? nonceOf(randomLane(), 1),
    encryptionKey: zeroHash,
    matcher: terms.matcher,
  };
}

/** Verification modes, as bit positions in `Ask.modes` and values of `Bid.mode`. */
export const verificationMode = { replicated: 0, optimistic: 1, tee: 2, zk: 3 } as const;

/** Task status as `taskStatus(client, nonce)` reports it; `retired`: the lane has moved past the nonce. */
export const taskStatus = { none: 0, matched: 1, finalized: 2, failed: 3, retired: 4 } as const;

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
