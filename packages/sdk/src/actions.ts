// Typed actions for everything a client, provider or matcher does on chain. Each write is simulated first, so a
// revert comes back as an AgoraError with the contract's reason before any gas is spent, then sent and awaited.
import { AgoraError, errorCodes } from '@agora/errors';
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
  BaseError,
  MethodNotFoundRpcError,
  MethodNotSupportedRpcError,
  bytesToHex,
  encodeFunctionData,
  erc20Abi,
  getContractError,
  hexToBigInt,
  parseEventLogs,
} from 'viem';

import { createTokenUnits } from './amounts.js';
import { toAgoraError } from './contract-errors.js';
import { type OrderHasher, createOrderHasher } from './order-signatures.js';
import type { Deployment } from './deploy.js';
import {
  agoraTokenAbi,
  computeMarketAbi,
  replicatedVerifierAbi,
  providerRegistryAbi,
  replicaPoolAbi,
  reviewsAbi,
  storageMarketAbi,
} from './generated/contracts.js';
import {
  type Ask,
  type Bid,
  type Task,
  askTypes,
  bidTypes,
  computeMarketDomain,
  decodeSettlement,
  decodeTaskMatched,
  decodeTaskPending,
  encodeOrders,
  isVerifiedByModule,
} from './orders.js';
import { type Resources, encodeResources } from './resources.js';
import { reviewTaskArgs } from './review-actions.js';
import type { StorageAsk, StorageBid } from './storage-orders.js';

export type AgoraWallet = WalletClient<Transport, Chain, Account>;
export type SignedAsk = { ask: Ask; signature: Hex };
export type SignedBid = { bid: Bid; signature: Hex };

/** Final task states as `TaskSettled.status` reports them. */
export const settledStatus = { finalized: 2, failed: 3 } as const;

export type TaskSettlement = {
  status: 'finalized' | 'failed';
  resultHash: Hex;
  fuelUsed: bigint;
  paidMask: bigint;
  slashedMask: bigint;
  charged: bigint;
  blockNumber: bigint;
  transactionHash: Hex;
};

export type TaskView = {
  taskId: Hex;
  task: Task;
  record: Hex;
  appCid: Hex;
  inputCid: Hex;
  matchedAt: { blockNumber: bigint; transactionHash: Hex };
  commits: { provider: Address; blockNumber: bigint }[];
  reveals: { provider: Address; resultHash: Hex; fuelUsed: bigint; blockNumber: bigint }[];
  settlement: TaskSettlement | null;
};

export type AgoraClientOptions = {
  publicClient: PublicClient;
  /** Needed for writes and signatures; reads work without it. */
  wallet?: AgoraWallet;
  deployment: Deployment;
};

/**
 * The SDK's entry point: typed reads, writes and signatures against one deployment.
 * @example
 * const agora = createAgoraClient({ publicClient, wallet, deployment })
 * await agora.deposit(usd, 1_000_000n)
 * const { free } = await agora.escrowBalance(usd)
 */
export function createAgoraClient({ publicClient, wallet, deployment }: AgoraClientOptions) {
  const market = deployment.contracts.computeMarket;
  const verifier = deployment.contracts.replicatedVerifier;
  const storageMarket = deployment.contracts.storageMarket;
  const registry = deployment.contracts.providerRegistry;
  const stakeToken = deployment.contracts.agoraToken;
  const tokenUnit = createTokenUnits(publicClient);
  const reviews = deployment.contracts.reviews;

  const signer = (): AgoraWallet => {
    if (!wallet) throw new AgoraError(errorCodes.INVALID_ARGUMENT, 'This action needs a wallet; none was given.');
    return wallet;
  };
  const me = (account?: Address): Address => account ?? signer().account.address;
  // A local account signs the EIP-712 digest computed by the order hasher (the same bytes as viem's typed-data
  // encoder, a third of the time); an account that signs elsewhere is handed the typed data.
  let hasher: OrderHasher | undefined;
  const orderHasher = () => (hasher ??= createOrderHasher(deployment.chainId, market));
  const marketDomain = () => computeMarketDomain(deployment.chainId, market);
  const signOrder = (digest: () => Uint8Array, typedData: () => Promise<Hex>): Promise<Hex> => {
    const account = signer().account;
    return account.sign ? account.sign({ hash: bytesToHex(digest()) }) : typedData();
  };

  async function write<const abi extends Abi, name extends ContractFunctionName<abi, 'nonpayable' | 'payable'>>(call: {
    address: Address;
    abi: abi;
    functionName: name;
    args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', name>;
  }): Promise<TransactionReceipt> {
    const walletClient = signer();
    const action = String(call.functionName);
    try {
      const receipt = await sendWrite(publicClient, walletClient, call);
      if (receipt.status !== 'success') {
        throw new AgoraError(errorCodes.TRANSACTION_REVERTED, `${action} reverted in ${receipt.transactionHash}.`);
      }
      return receipt;
    } catch (error) {
      throw toAgoraError(error, action);
    }
  }

  /** The task a match opened: at once for one replica, or once `seat` drew the seats of a pending one. */
  async function seatIfPending(receipt: TransactionReceipt) {
    const [pending] = parseEventLogs({ abi: computeMarketAbi, logs: receipt.logs, eventName: 'TaskPending' });
    if (!pending) return taskOf(receipt);
    const terms = decodeTaskPending(pending.args.terms);
    return taskOf(
      await write({
        address: market,
        abi: computeMarketAbi,
        functionName: 'seat',
        args: [terms.record, terms.content],
      }),
    );
  }

  async function read<T>(action: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toAgoraError(error, action);
    }
  }

  /** Approves `spender` for `amount` of `token` when the allowance is short. */
  async function ensureAllowance(token: Address, spender: Address, amount: bigint) {
    const owner = me();
    const allowance = await read('allowance', () =>
      publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'allowance', args: [owner, spender] }),
    );
    if (allowance >= amount) return;
    const balance = await tokenBalance(token, owner);
    if (balance < amount) {
      throw new AgoraError(
        errorCodes.INSUFFICIENT_FUNDS,
        `${owner} holds ${balance} of ${token}; ${amount} is needed. Get tokens into this wallet first.`,
      );
    }
    await write({ address: token, abi: erc20Abi, functionName: 'approve', args: [spender, amount] });
  }

  function tokenBalance(token: Address, account?: Address) {
    return read('balanceOf', () =>
      publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [me(account)] }),
    );
  }

  function escrowBalance(token: Address, account?: Address) {
    return read('escrow balance', () =>
      publicClient.readContract({
        address: market,
        abi: computeMarketAbi,
        functionName: 'balanceOf',
        args: [token, me(account)],
      }),
    );
  }

  async function readTask(taskId: Hex): Promise<TaskView | null> {
    const fromBlock = BigInt(deployment.startBlock);
    const [matched] = await read('task', () =>
      publicClient.getContractEvents({
        address: market,
        abi: computeMarketAbi,
        eventName: 'TaskMatched',
        args: { taskId },
        strict: true,
        fromBlock,
      }),
    );
    if (!matched) return null;
    const since = matched.blockNumber;
    const [commits, reveals, settled] = await read('task', () =>
      Promise.all([
        publicClient.getContractEvents({
          address: verifier,
          abi: replicatedVerifierAbi,
          eventName: 'ResultCommitted',
          args: { taskId },
          strict: true,
          fromBlock: since,
        }),
        publicClient.getContractEvents({
          address: verifier,
          abi: replicatedVerifierAbi,
          eventName: 'ResultRevealed',
          args: { taskId },
          strict: true,
          fromBlock: since,
        }),
        publicClient.getContractEvents({
          address: market,
          abi: computeMarketAbi,
          eventName: 'TaskSettled',
          args: { taskId },
          strict: true,
          fromBlock: since,
        }),
      ]),
    );
    // A lane reuses its storage, but a task id names one bid (client, nonce): the first settlement after the match is it.
    const settledLog = settled[0];
    const settlement = settledLog && decodeSettlement(settledLog.args.settlement);
    const { task, record, appCid, inputCid } = decodeTaskMatched(matched.args.terms);
    return {
      taskId,
      task,
      record,
      appCid,
      inputCid,
      matchedAt: { blockNumber: matched.blockNumber, transactionHash: matched.transactionHash },
      commits: commits.map((log) => ({ provider: log.args.provider, blockNumber: log.blockNumber })),
      reveals: reveals.map((log) => ({
        provider: log.args.provider,
        resultHash: log.args.resultHash,
        fuelUsed: log.args.fuelUsed,
        blockNumber: log.blockNumber,
      })),
      settlement:
        settledLog && settlement
          ? {
              status: settlement.status === settledStatus.finalized ? 'finalized' : 'failed',
              resultHash: settledLog.args.resultHash,
              fuelUsed: settlement.fuelUsed,
              paidMask: settlement.paidMask,
              slashedMask: settlement.slashedMask,
              charged: settlement.charged,
              blockNumber: settledLog.blockNumber,
              transactionHash: settledLog.transactionHash,
            }
          : null,
    };
  }

  return {
    publicClient,
    wallet,
    deployment,
    market,
    registry,
    /** The wallet's address. */
    get account(): Address {
      return me();
    },

    // Reads.
    /** A token's symbol and decimals (read once): what amounts of it are written with. */
    tokenUnit,
    /** The stake token's symbol and decimals. */
    stakeUnit: () => tokenUnit(stakeToken),
    tokenBalance,
    escrowBalance,
    params: () =>
      read('params', () =>
        publicClient.readContract({ address: market, abi: computeMarketAbi, functionName: 'params' }),
      ),
    provider: (provider: Address) =>
      read('provider', async () => {
        const [state, [resources, metadataCid]] = await Promise.all([
          publicClient.readContract({
            address: registry,
            abi: providerRegistryAbi,
            functionName: 'providerOf',
            args: [provider],
          }),
          publicClient.readContract({
            address: registry,
            abi: providerRegistryAbi,
            functionName: 'profileOf',
            args: [provider],
          }),
        ]);
        return { ...state, resources, metadataCid };
      }),
    taskStatus: (client: Address, nonce: bigint) =>
      read('task status', () =>
        publicClient.readContract({
          address: market,
          abi: computeMarketAbi,
          functionName: 'taskStatus',
          args: [client, nonce],
        }),
      ),
    isNonceUsable: (client: Address, nonce: bigint) =>
      read('nonce', () =>
        publicClient.readContract({
          address: market,
          abi: computeMarketAbi,
          functionName: 'isNonceUsable',
          args: [client, nonce],
        }),
      ),
    /** A client's lane: its status, sequence, floor (nonces below it are used) and head. */
    laneState: (client: Address, lane: number) =>
      read('lane', () =>
        publicClient.readContract({
          address: market,
          abi: computeMarketAbi,
          functionName: 'laneState',
          args: [client, lane],
        }),
      ),
    askFills: (provider: Address, nonce: bigint) =>
      read('ask fills', () =>
        publicClient.readContract({
          address: market,
          abi: computeMarketAbi,
          functionName: 'askFills',
          args: [provider, nonce],
        }),
      ),
    /** A task's terms, steps and settlement from the market's events; null when no task has this id. */
    task: readTask,

    // Orders.
    signAsk: async (ask: Ask): Promise<SignedAsk> => ({
      ask,
      signature: await signOrder(
        () => orderHasher().ask(ask),
        () => signer().signTypedData({ domain: marketDomain(), types: askTypes, primaryType: 'Ask', message: ask }),
      ),
    }),
    signBid: async (bid: Bid): Promise<SignedBid> => ({
      bid,
      signature: await signOrder(
        () => orderHasher().bid(bid),
        () => signer().signTypedData({ domain: marketDomain(), types: bidTypes, primaryType: 'Bid', message: bid }),
      ),
    }),
    /**
     * Matches a signed bid as the matcher; returns the task id and record from `TaskMatched`. A one-replica bid takes
     * its provider's signed ask; a bid with several replicas takes none: it is matched alone and its seats are drawn
     * from the replica pool by a second transaction (`seat`), sent here once the match is mined.
     */
    matchOrders: async ({ bid, signature }: SignedBid, asks: readonly SignedAsk[] = []) =>
      seatIfPending(
        await write({
          address: market,
          abi: computeMarketAbi,
          functionName: 'matchOrders',
          args: [encodeOrders(bid, signature, asks)],
        }),
      ),
    /** The client matches its own bid, without a matcher (and without its fee); asks as in `matchOrders`. */
    fill: async (bid: Bid, asks: readonly SignedAsk[] = []) =>
      seatIfPending(
        await write({
          address: market,
          abi: computeMarketAbi,
          functionName: 'fill',
          args: [encodeOrders(bid, '0x', asks)],
        }),
      ),
    /**
     * Draws the seats of a pending task (from its `TaskPending` event) and returns the seated task. Anyone may send it,
     * from the block after the match; the draw is the same whoever sends it.
     */
    seat: async (pending: { record: Hex; content: Hex }) =>
      taskOf(
        await write({
          address: market,
          abi: computeMarketAbi,
          functionName: 'seat',
          args: [pending.record, pending.content],
        }),
      ),
    /**
     * Joins (or renews, into a new slot) the replica pool of `token`: the provider may then be drawn for replicated
     * tasks that pay at least `floorPricePerFuel` and are matched before `expiry` (unix seconds), weighed
     * by the stake it has bonded now.
     */
    joinPool: (args: { token: Address; floorPricePerFuel: bigint; expiry: number }) =>
      write({
        address: deployment.contracts.replicaPool,
        abi: replicaPoolAbi,
        functionName: 'join',
        args: [args.token, args.floorPricePerFuel, args.expiry],
      }),
    /** Leaves `token`'s pool; draws seeded before this block may still seat the provider (it serves them or is slashed). */
    leavePool: (token: Address) =>
      write({ address: deployment.contracts.replicaPool, abi: replicaPoolAbi, functionName: 'leave', args: [token] }),
    /** Ends the membership of a member whose standing fell (`poolMembership(...).evictable`); anyone may. */
    evictFromPool: (token: Address, provider: Address) =>
      write({
        address: deployment.contracts.replicaPool,
        abi: replicaPoolAbi,
        functionName: 'evict',
        args: [token, provider],
      }),
    /**
     * `provider`'s membership of `token`'s pool: `weight` the stake a draw weighs it by (its stake at join, before the
     * seat-stake cap; a draw reads nothing that changed since). `evictable` once it lapsed, or the registry has it
     * jailed, not active, or bonded below that stake: anyone may then evict it, and later draws pass it over.
     */
    poolMembership: async (token: Address, provider: Address) => {
      const pool = deployment.contracts.replicaPool;
      const [[slot, member], [bonded, jailedUntil, status], block] = await read('pool', () =>
        Promise.all([
          publicClient.readContract({
            address: pool,
            abi: replicaPoolAbi,
            functionName: 'slotOf',
            args: [token, provider],
          }),
          publicClient.readContract({
            address: market,
            abi: computeMarketAbi,
            functionName: 'standingOf',
            args: [provider],
          }),
          publicClient.getBlock({ blockTag: 'latest' }),
        ]),
      );
      if (!member) return { member: false as const };
      const terms = await read('pool', () =>
        publicClient.readContract({
          address: pool,
          abi: replicaPoolAbi,
          functionName: 'memberAt',
          args: [token, slot],
        }),
      );
      return {
        member: true as const,
        slot,
        floorPricePerFuel: terms.floorPricePerFuel,
        expiry: terms.expiry,
        weight: terms.bondedAtJoin,
        evictable:
          status !== 1 ||
          BigInt(jailedUntil) > block.timestamp ||
          bonded < terms.bondedAtJoin ||
          BigInt(terms.expiry) < block.timestamp,
      };
    },
    cancelBid: (nonce: bigint) =>
      write({ address: market, abi: computeMarketAbi, functionName: 'cancelBid', args: [nonce] }),
    cancelAsk: (nonce: bigint) =>
      write({ address: market, abi: computeMarketAbi, functionName: 'cancelAsk', args: [nonce] }),

    // Task steps.
    submitResult: (record: Hex, resultHash: Hex, fuelUsed: bigint) =>
      write({
        address: market,
        abi: computeMarketAbi,
        functionName: 'submitResult',
        args: [record, resultHash, fuelUsed],
      }),
    commit: (record: Hex, index: number, commitment: Hex) =>
      write({
        address: verifier,
        abi: replicatedVerifierAbi,
        functionName: 'commit',
        args: [record, BigInt(index), commitment],
      }),
    reveal: (record: Hex, index: number, resultHash: Hex, fuelUsed: bigint, salt: Hex) =>
      write({
        address: verifier,
        abi: replicatedVerifierAbi,
        functionName: 'reveal',
        args: [record, BigInt(index), resultHash, fuelUsed, salt],
      }),
    /**
     * Settles a task whose reveals are in or whose windows have passed; anyone may call it (the timeout path). A task
     * with drawn replicas is its verifier's to settle, any other (one replica, or seats never drawn) the market's.
     */
    finalize: (record: Hex, resultHash: Hex) =>
      isVerifiedByModule(record)
        ? write({ address: verifier, abi: replicatedVerifierAbi, functionName: 'finalize', args: [record, resultHash] })
        : write({ address: market, abi: computeMarketAbi, functionName: 'finalize', args: [record, resultHash] }),

    // Money.
    /** Moves `amount` of `token` from the wallet into escrow (approving the market first when needed). */
    deposit: async (token: Address, amount: bigint, to?: Address) => {
      await ensureAllowance(token, market, amount);
      return write({ address: market, abi: computeMarketAbi, functionName: 'deposit', args: [token, me(to), amount] });
    },
    /** Moves free escrow balance back to the wallet. */
    withdraw: (token: Address, amount: bigint) =>
      write({ address: market, abi: computeMarketAbi, functionName: 'withdraw', args: [token, amount] }),

    // Storage (the storage market keeps an escrow of its own).
    /** Moves `amount` of `token` from the wallet into the storage market's escrow (approving it first when needed). */
    /** Moves free storage escrow back to the wallet. */
    storageWithdraw: (token: Address, amount: bigint) =>
      write({ address: storageMarket, abi: storageMarketAbi, functionName: 'withdraw', args: [token, amount] }),
    storageDeposit: async (token: Address, amount: bigint, to?: Address) => {
      await ensureAllowance(token, storageMarket, amount);
      return write({
        address: storageMarket,
        abi: storageMarketAbi,
        functionName: 'deposit',
        args: [token, me(to), amount],
      });
    },
    storageBalance: (token: Address, account?: Address) =>
      read('storage escrow balance', () =>
        publicClient.readContract({
          address: storageMarket,
          abi: storageMarketAbi,
          functionName: 'balanceOf',
          args: [token, me(account)],
        }),
      ),
    /**
     * Opens a deal the client fills itself (no matcher, no matcher fee, no bid signature: it sends `matchDeal` itself);
     * `acceptances`: each provider's signature over the bid, in ask order.
     */
    openDeal: (bid: StorageBid, asks: StorageAsk[], askSignatures: Hex[], acceptances: Hex[]) =>
      write({
        address: storageMarket,
        abi: storageMarketAbi,
        functionName: 'matchDeal',
        args: [bid, '0x', asks, askSignatures, acceptances],
      }),
    /** Ends a deal after the current period; the later periods are refunded. */
    cancelDeal: (dealId: bigint) =>
      write({ address: storageMarket, abi: storageMarketAbi, functionName: 'cancel', args: [dealId] }),
    /** Adds `extraPeriods`, with every slot provider's signed consent (empty bytes for a slot under repair). */
    renewDeal: (dealId: bigint, extraPeriods: number, deadline: bigint, consents: Hex[]) =>
      write({
        address: storageMarket,
        abi: storageMarketAbi,
        functionName: 'renew',
        args: [dealId, extraPeriods, deadline, consents],
      }),

    // Reviews.
    /**
     * Reviews provider `providerIndex` of a settled task the wallet paid for: 1 to 5 stars and the CID of the
     * text. Spends the task's one review right.
     */
    reviewTask: async (task: Hex | TaskView, review: { providerIndex: number; rating: number; textCid: Hex }) => {
      // A caller that has read the task already passes it, so its four log queries are not made twice.
      const view = typeof task === 'string' ? await readTask(task) : task;
      const taskId = typeof task === 'string' ? task : task.taskId;
      if (!view) throw new AgoraError(errorCodes.TASK_NOT_FOUND, `No task ${taskId} on this network.`);
      if (view.settlement?.status !== 'finalized') {
        throw new AgoraError(
          errorCodes.TASK_STATE_INVALID,
          `Task ${taskId} is ${view.settlement ? 'failed' : 'not settled yet'}; only a finalized task can be reviewed.`,
        );
      }
      const { record, matchedAt, settlement } = view;
      const args = await read('review', () =>
        reviewTaskArgs(publicClient, market, { ...settlement, record, matchedBlock: matchedAt.blockNumber }, review),
      );
      return write({ address: reviews, abi: reviewsAbi, functionName: 'reviewTask', args });
    },
    /** Reviews the provider of slot `slotIndex` of a finished deal the wallet paid for. */
    reviewDeal: (dealId: bigint, review: { slotIndex: number; rating: number; textCid: Hex }) =>
      write({
        address: reviews,
        abi: reviewsAbi,
        functionName: 'reviewDeal',
        args: [dealId, BigInt(review.slotIndex), review.rating, review.textCid],
      }),
    /** The reviewed provider's one answer to a review. */
    respondToReview: (reviewId: Hex, responseCid: Hex) =>
      write({ address: reviews, abi: reviewsAbi, functionName: 'respond', args: [reviewId, responseCid] }),
    /** A review as stored; `client` is the zero address when there is none. */
    review: (reviewId: Hex) =>
      read('review', () =>
        publicClient.readContract({ address: reviews, abi: reviewsAbi, functionName: 'review', args: [reviewId] }),
      ),
    /** A provider's on-chain review aggregate: summed weights, weighted ratings and star counts. */
    reviewAggregate: (provider: Address) =>
      read('review aggregate', () =>
        publicClient.readContract({ address: reviews, abi: reviewsAbi, functionName: 'scoreOf', args: [provider] }),
      ),

    // Providers.
    register: (resources: Resources, metadataCid: Hex) =>
      write({
        address: registry,
        abi: providerRegistryAbi,
        functionName: 'register',
        args: [encodeResources(resources), metadataCid],
      }),
    updateProfile: (resources: Resources, metadataCid: Hex) =>
      write({
        address: registry,
        abi: providerRegistryAbi,
        functionName: 'updateProfile',
        args: [encodeResources(resources), metadataCid],
      }),
    /** Bonds `amount` more of the Agora token (approving the registry first when needed). */
    stake: async (amount: bigint) => {
      await ensureAllowance(stakeToken, registry, amount);
      return write({ address: registry, abi: providerRegistryAbi, functionName: 'stake', args: [amount] });
    },
    requestUnbond: (amount: bigint) =>
      write({ address: registry, abi: providerRegistryAbi, functionName: 'requestUnbond', args: [amount] }),
    withdrawStake: () =>
      write({ address: registry, abi: providerRegistryAbi, functionName: 'withdrawStake', args: [] }),
    stakeTokenBalance: (account?: Address) =>
      read('balanceOf', () =>
        publicClient.readContract({
          address: stakeToken,
          abi: agoraTokenAbi,
          functionName: 'balanceOf',
          args: [me(account)],
        }),
      ),
  };
}

export type AgoraClient = ReturnType<typeof createAgoraClient>;

/** A state-changing contract call: what `sendWrite` and the serial sender send. */
export type ContractWrite<
  abi extends Abi = Abi,
  name extends ContractFunctionName<abi, 'nonpayable' | 'payable'> = ContractFunctionName<
    abi,
    'nonpayable' | 'payable'
  >,
> = {
  address: Address;
  abi: abi;
  functionName: name;
  args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', name>;
};

/**
 * Sends a contract write: the gas estimate doubles as the simulation (a revert comes back decoded before anything
 * is sent), the limit gets headroom (`gasWithHeadroom`), and the receipt is read at once and then every few
 * milliseconds, since a local or fast chain has it right away; after 100 ms it falls back to viem's block watch.
 */
export async function sendWrite<
  const abi extends Abi,
  name extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
>(publicClient: PublicClient, walletClient: AgoraWallet, call: ContractWrite<abi, name>): Promise<TransactionReceipt> {
  // The generic call is exactly what viem's actions take; their conditional types do not see that.
  const estimate = await publicClient.estimateContractGas({
    ...(call as Parameters<typeof publicClient.estimateContractGas>[0]),
    account: walletClient.account,
  });
  const hash = await walletClient.writeContract({
    ...(call as unknown as Parameters<typeof walletClient.writeContract>[0]),
    gas: gasWithHeadroom(estimate),
  });
  return receiptOf(publicClient, hash);
}

export type SerialSender = ReturnType<typeof createSerialSender>;

/** How the serial sender sends one write. */
export type SendOptions = { after?: Promise<unknown> | undefined };

/**
 * Sends one account's writes with two requests each: a simulation (a revert shows here, decoded like any contract
 * error, before a nonce is taken) and `eth_sendRawTransaction` of a transaction signed here, then the receipt. The
 * simulation is `eth_createAccessList`, which runs the call once and reports the gas it used; `eth_estimateGas`
 * answers the same question by a binary search over many runs (on anvil, most of the node's work per task), so it is
 * asked only of a node without `eth_createAccessList`. The limit sent is `gasWithHeadroom` of the gas used. viem's own
 * write path asks the node to fill the transaction (`eth_fillTransaction`, another simulation) for the estimate
 * and again for the send. The nonce is counted here after the first read, and fees are read at most once a second
 * (with twice the base fee as the cap, so a few blocks of rising fees still fit). Calls may overlap: simulations run
 * side by side, and only taking a nonce, signing and handing the transaction over run one at a time, so nonces go
 * out in order without gaps. A failed hand-over forgets the nonce and fees, so the next write reads them again. For
 * a service that owns its key (a local account): nothing else may send from the account.
 */
export function createSerialSender(publicClient: PublicClient, walletClient: AgoraWallet) {
  const account = walletClient.account;
  if (!account.signTransaction) {
    throw new AgoraError(errorCodes.INVALID_ARGUMENT, 'The serial sender signs locally: it needs a local account.');
  }
  const signTransaction = account.signTransaction.bind(account);
  const chainId = walletClient.chain.id;
  let nonce: number | undefined;
  let fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint; readAt: number } | undefined;
  const feeLifetimeMs = 1_000;
  let handOver: Promise<unknown> = Promise.resolve();

  /** Whether the node answers `eth_createAccessList`; learnt from the first answer. */
  let accessLists: boolean | undefined;
  /**
   * Runs the call in the pending block, where the transaction will land (a seat reads the hash of the match's block,
   * which the match's own block cannot); resolves with the gas it used, rejects with the revert.
   */
  const simulate = async (transaction: { from: Address; to: Address; data: Hex }): Promise<bigint> => {
    if (accessLists !== false) {
      try {
        const { gasUsed } = await publicClient.request({
          method: 'eth_createAccessList',
          params: [transaction, 'pending'],
        });
        accessLists = true;
        return hexToBigInt(gasUsed);
      } catch (error) {
        if (accessLists === true || !isMethodMissing(error)) throw error;
        accessLists = false;
      }
    }
    return hexToBigInt(await publicClient.request({ method: 'eth_estimateGas', params: [transaction] }));
  };

  const currentFees = async () => {
    if (fees && Date.now() - fees.readAt < feeLifetimeMs) return fees;
    const read = await publicClient.estimateFeesPerGas();
    fees = { maxFeePerGas: read.maxFeePerGas, maxPriorityFeePerGas: read.maxPriorityFeePerGas, readAt: Date.now() };
    return fees;
  };

  /**
   * Estimates, then signs and hands the transaction over in nonce order; resolves with its hash. `after` is work the
   * transaction must not go out before (a durable write it depends on): the simulation runs meanwhile, and if it fails
   * nothing is sent and no nonce is taken.
   */
  async function sendTransaction<
    const abi extends Abi,
    name extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
  >(call: ContractWrite<abi, name>, { after }: SendOptions = {}): Promise<Hex> {
    const data = encodeFunctionData(call as unknown as Parameters<typeof encodeFunctionData>[0]);
    const simulation = simulate({ from: account.address, to: call.address, data }).catch((error: unknown) => {
      // The same error viem's own contract actions throw, with the custom error decoded from the revert data.
      const contractError: Error = getContractError(error as BaseError, {
        abi: call.abi,
        address: call.address,
        args: call.args as readonly unknown[],
        functionName: call.functionName,
        sender: account.address,
      });
      throw contractError;
    });
    let estimate: bigint;
    try {
      [estimate] = await Promise.all([simulation, after]);
    } finally {
      // Whichever failed first is thrown; the other is not left unhandled.
      simulation.catch(() => undefined);
    }
    const send = async () => {
      try {
        const [count, current] = await Promise.all([
          nonce ?? publicClient.getTransactionCount({ address: account.address, blockTag: 'pending' }),
          currentFees(),
        ]);
        const serializedTransaction = await signTransaction({
          type: 'eip1559',
          chainId,
          to: call.address,
          data,
          gas: gasWithHeadroom(estimate),
          nonce: count,
          maxFeePerGas: current.maxFeePerGas,
          maxPriorityFeePerGas: current.maxPriorityFeePerGas,
        });
        const hash = await publicClient.sendRawTransaction({ serializedTransaction });
        nonce = count + 1;
        return hash;
      } catch (error) {
        nonce = undefined;
        fees = undefined;
        throw error;
      }
    };
    const sent = handOver.then(send);
    handOver = sent.catch(() => undefined);
    return sent;
  }

  return {
    sendTransaction,
    /** `sendTransaction`, then its receipt. */
    async send<const abi extends Abi, name extends ContractFunctionName<abi, 'nonpayable' | 'payable'>>(
      call: ContractWrite<abi, name>,
      options?: SendOptions,
    ): Promise<TransactionReceipt> {
      return receiptOf(publicClient, await sendTransaction(call, options));
    },
  };
}

/** Whether a node refused a request because it does not know the method. */
function isMethodMissing(error: unknown): boolean {
  return (
    error instanceof BaseError &&
    error.walk((cause) => cause instanceof MethodNotFoundRpcError || cause instanceof MethodNotSupportedRpcError) !==
      null
  );
}

/** The receipt of `hash`: polled every 2 ms for 100 ms, then through viem's `waitForTransactionReceipt`. */
export async function receiptOf(publicClient: PublicClient, hash: Hex): Promise<TransactionReceipt> {
  const until = Date.now() + 100;
  while (Date.now() < until) {
    const receipt = await publicClient.getTransactionReceipt({ hash }).catch(() => undefined);
    if (receipt) return receipt;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return publicClient.waitForTransactionReceipt({ hash });
}

/**
 * The gas limit to send with: an estimate is for the chain as it was, and a task step may do more by the time it is
 * mined (the reveal that completes a set settles the whole task: payments, slashes, fees). Unused gas is not paid.
 */
export function gasWithHeadroom(estimate: bigint): bigint {
  return estimate * 2n + 100_000n;
}

function taskOf(receipt: TransactionReceipt) {
  const [matched] = parseEventLogs({ abi: computeMarketAbi, logs: receipt.logs, eventName: 'TaskMatched' });
  if (!matched) throw new AgoraError(errorCodes.TRANSACTION_REVERTED, `${receipt.transactionHash} matched no task.`);
  const { task, record } = decodeTaskMatched(matched.args.terms);
  return { taskId: matched.args.taskId, task, record, receipt };
}
