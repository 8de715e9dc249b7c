// A real Agora network on a fresh anvil, with funded and staked actors, for tests and benchmarks.
import {
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
  concat,
  createPublicClient,
  createWalletClient,
  http,
  keccak256,
  parseEther,
  parseEventLogs,
  toHex,
  zeroHash,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import {
  type Ask,
  type Bid,
  type Deployment,
  type PendingTerms,
  type Task,
  agoraTokenAbi,
  askTypes,
  bidTypes,
  commitmentOf,
  computeMarketAbi,
  replicatedVerifierAbi,
  computeMarketDomain,
  createAgoraClient,
  decodeResources,
  decodeTaskMatched,
  decodeTaskPending,
  deployAgora,
  encodeOrders,
  encodeTaskRecord,
  nonceOf,
  taskIdOf,
  testStablecoinAbi,
  agoraChain,
} from '@agora/sdk';
import { type Anvil, anvilDevKeys, startAnvil } from '@agora/sdk/dev';

export type Wallet = WalletClient<Transport, Chain, Account>;

export type Network = {
  anvil: Anvil;
  chain: Chain;
  publicClient: PublicClient;
  deployment: Deployment;
  market: Address;
  usd: Address;
  deployer: Wallet;
  client: Wallet;
  matcher: Wallet;
  providers: Wallet[];
  stop: () => Promise<void>;
};

/** 8 cores, 16 GiB, region 1: see contracts/src/libraries/ResourcesLib.sol. */
export const RESOURCES = 8n | (16_384n << 16n) | (1n << 88n);
/** CIDv1 (raw, sha2-256) of the empty string, standing in for real content until the content layer exists. */
export const PLACEHOLDER_CID: Hex = '0x01551220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Starts anvil, deploys Agora with the test stablecoin, funds the client and registers and stakes providers. */
export async function startNetwork({ providerCount = 3, clientFunds = 1_000_000_000_000n } = {}): Promise<Network> {
  const anvil = await startAnvil();
  const chain = agoraChain({ chainId: 31337, rpcUrl: anvil.rpcUrl, name: 'anvil' });
  const transport = http(anvil.rpcUrl);
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 });
  const wallet = (key: Hex): Wallet => createWalletClient({ account: privateKeyToAccount(key), chain, transport });
  const [deployerKey, clientKey, matcherKey, ...providerKeys] = anvilDevKeys;
  const deployer = wallet(deployerKey);
  const client = wallet(clientKey);
  const matcher = wallet(matcherKey);
  const providers = providerKeys.slice(0, providerCount).map(wallet);

  try {
    const deployment = await deployAgora({ publicClient, walletClient: deployer, options: { devToken: true } });
    const { computeMarket: market, agoraToken, testStablecoin } = deployment.contracts;
    if (!testStablecoin) throw new Error('the dev deployment has no test stablecoin');
    const agora = (wallet: Wallet) => createAgoraClient({ publicClient, wallet, deployment });
    const wait = async (hash: Promise<Hex>) => {
      const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash });
      if (receipt.status !== 'success') throw new Error(`setup transaction ${receipt.transactionHash} reverted`);
    };

    await wait(
      client.writeContract({
        address: testStablecoin,
        abi: testStablecoinAbi,
        functionName: 'mint',
        args: [client.account.address, clientFunds],
      }),
    );
    await agora(client).deposit(testStablecoin, clientFunds);

    const stake = parseEther('10000');
    for (const provider of providers) {
      await wait(
        deployer.writeContract({
          address: agoraToken,
          abi: agoraTokenAbi,
          functionName: 'transfer',
          args: [provider.account.address, stake],
        }),
      );
      await agora(provider).register(decodeResources(RESOURCES), PLACEHOLDER_CID);
      await agora(provider).stake(stake);
      // Replicated tasks draw their seats from the pool, so every provider takes replicated work, as an agent does.
      await agora(provider).joinPool({
        token: testStablecoin,
        floorPricePerFuel: 2n,
        expiry: Math.floor(Date.now() / 1000) + 30 * 24 * 3600,
      });
    }
    return {
      anvil,
      chain,
      publicClient,
      deployment,
      market,
      usd: testStablecoin,
      deployer,
      client,
      matcher,
      providers,
      stop: () => anvil.stop(),
    };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}

// Each bid gets a lane of its own unless the caller names a nonce, so tasks can be open side by side.
let laneCounter = 0;

export async function signedBid(network: Network, overrides: Partial<Bid> = {}): Promise<{ bid: Bid; signature: Hex }> {
  const now = BigInt(Math.floor(Date.now() / 1000));
  const bid: Bid = {
    client: network.client.account.address,
    token: network.usd,
    appCid: PLACEHOLDER_CID,
    inputCid: PLACEHOLDER_CID,
    maxFuel: 1_000_000n,
    maxPricePerFuel: 2n,
    replicas: 1,
    quorum: 1,
    mode: 0,
    deadline: now + 3600n,
    nonce: nonceOf(++laneCounter, 1),
    encryptionKey: zeroHash,
    matcher: network.matcher.account.address,
    ...overrides,
  };
  const signature = await network.client.signTypedData({
    domain: computeMarketDomain(network.chain.id, network.market),
    types: bidTypes,
    primaryType: 'Bid',
    message: bid,
  });
  return { bid, signature };
}

export async function signedAsk(
  network: Network,
  provider: Wallet,
  overrides: Partial<Ask> = {},
): Promise<{ ask: Ask; signature: Hex }> {
  const now = BigInt(Math.floor(Date.now() / 1000));
  const ask: Ask = {
    provider: provider.account.address,
    token: network.usd,
    pricePerFuel: 2n,
    resources: RESOURCES,
    modes: 1,
    volume: 1000,
    expiry: now + 3600n,
    nonce: 1n,
    ...overrides,
  };
  const signature = await provider.signTypedData({
    domain: computeMarketDomain(network.chain.id, network.market),
    types: askTypes,
    primaryType: 'Ask',
    message: ask,
  });
  return { ask, signature };
}

export async function send(network: Network, hash: Promise<Hex>): Promise<TransactionReceipt> {
  const receipt = await network.publicClient.waitForTransactionReceipt({ hash: await hash });
  if (receipt.status !== 'success') throw new Error(`transaction ${receipt.transactionHash} reverted`);
  return receipt;
}

/**
 * Matches a bid through the matcher; returns the task. One replica: with the first provider's ask. Several: the bid
 * alone, then its seats are drawn from the pool (every provider of the network is a member).
 */
export async function matchTask(
  network: Network,
  bidOverrides: Partial<Bid> = {},
  askOverrides: Partial<Ask> = {},
): Promise<MatchedTask> {
  const bid = await signedBid(network, bidOverrides);
  const asks = bid.bid.replicas === 1 ? [await signedAsk(network, network.providers[0]!, askOverrides)] : [];
  return matchSigned(network, bid, asks);
}

export type MatchedTask = {
  taskId: Hex;
  task: Task;
  record: Hex;
  /** The transaction that emitted `TaskMatched`: the match, or for a replicated task the seat. */
  receipt: TransactionReceipt;
  receipts: TransactionReceipt[];
};

/**
 * Sends `matchOrders` as the matcher for signed orders, and `seat` when the task is pending; returns the task. The
 * receipts are the match's and, for a replicated task, the seat's.
 */
export async function matchSigned(
  network: Network,
  { bid, signature }: { bid: Bid; signature: Hex },
  asks: readonly { ask: Ask; signature: Hex }[],
): Promise<MatchedTask> {
  let receipt = await send(
    network,
    network.matcher.writeContract({
      address: network.market,
      abi: computeMarketAbi,
      functionName: 'matchOrders',
      args: [encodeOrders(bid, signature, asks)],
    }),
  );
  const receipts = [receipt];
  const [pending] = parseEventLogs({ abi: computeMarketAbi, logs: receipt.logs, eventName: 'TaskPending' });
  if (pending) {
    const terms = decodeTaskPending(pending.args.terms);
    receipt = await send(
      network,
      network.matcher.writeContract({
        address: network.market,
        abi: computeMarketAbi,
        functionName: 'seat',
        args: [terms.record, terms.content],
      }),
    );
    receipts.push(receipt);
  }
  const [matched] = parseEventLogs({ abi: computeMarketAbi, logs: receipt.logs, eventName: 'TaskMatched' });
  if (!matched) throw new Error('matchOrders emitted no TaskMatched');
  const { task, record } = decodeTaskMatched(matched.args.terms);
  return { taskId: matched.args.taskId, task, record, receipt, receipts };
}

export type PendingTask = {
  taskId: Hex;
  terms: PendingTerms;
  /** The match's receipt (`TaskPending`). */
  receipt: TransactionReceipt;
  /** The task as its draw will seat it (`seat` simulated in the next block, where the seeds are the same). */
  task: Task;
  record: Hex;
};

/** Sends `matchOrders` for a bid with several replicas and leaves its seats undrawn; returns the foreseen draw. */
export async function matchPendingTask(network: Network, bidOverrides: Partial<Bid> = {}): Promise<PendingTask> {
  return matchPendingSigned(network, await signedBid(network, bidOverrides));
}

/** `matchPendingTask` for a signed bid. */
export async function matchPendingSigned(
  network: Network,
  { bid, signature }: { bid: Bid; signature: Hex },
): Promise<PendingTask> {
  const receipt = await send(
    network,
    network.matcher.writeContract({
      address: network.market,
      abi: computeMarketAbi,
      functionName: 'matchOrders',
      args: [encodeOrders(bid, signature, [])],
    }),
  );
  const [pending] = parseEventLogs({ abi: computeMarketAbi, logs: receipt.logs, eventName: 'TaskPending' });
  if (!pending) throw new Error('matchOrders emitted no TaskPending');
  const terms = decodeTaskPending(pending.args.terms);
  const { result } = await network.publicClient.simulateContract({
    address: network.market,
    abi: computeMarketAbi,
    functionName: 'seat',
    args: [terms.record, terms.content],
    account: network.matcher.account,
    blockTag: 'pending',
  });
  const { task, record } = decodeTaskMatched(concat([terms.content, result]));
  return { taskId: pending.args.taskId, terms, receipt, task, record };
}

/** The drawn provider at `index` seats a pending task with its commitment (`seatAndCommit`). */
export async function seatAndCommitResult(
  network: Network,
  pending: PendingTask,
  index: number,
  resultHash: Hex,
  fuelUsed: bigint,
) {
  const provider = pending.task.providers[index];
  if (!provider) throw new Error(`task has no provider ${index}`);
  const commitment = commitmentOf({
    taskId: pending.taskId,
    provider,
    resultHash,
    fuelUsed,
    salt: saltFor(pending.taskId, provider),
  });
  return send(
    network,
    providerWallet(network, provider).writeContract({
      address: network.deployment.contracts.replicatedVerifier,
      abi: replicatedVerifierAbi,
      functionName: 'seatAndCommit',
      args: [pending.terms.record, pending.terms.content, BigInt(index), commitment],
    }),
  );
}

export function providerWallet(network: Network, address: Address): Wallet {
  const provider = network.providers.find((p) => p.account.address === address);
  if (!provider) throw new Error(`no wallet for provider ${address}`);
  return provider;
}

export function saltFor(taskId: Hex, provider: Address): Hex {
  return keccak256(toHex(`${taskId}:${provider}`));
}

export async function commitResult(network: Network, task: Task, index: number, resultHash: Hex, fuelUsed: bigint) {
  const provider = task.providers[index];
  if (!provider) throw new Error(`task has no provider ${index}`);
  const taskId = taskIdOf(task.client, task.nonce);
  const commitment = commitmentOf({ taskId, provider, resultHash, fuelUsed, salt: saltFor(taskId, provider) });
  return send(
    network,
    providerWallet(network, provider).writeContract({
      address: network.deployment.contracts.replicatedVerifier,
      abi: replicatedVerifierAbi,
      functionName: 'commit',
      args: [encodeTaskRecord(task), BigInt(index), commitment],
    }),
  );
}

export async function revealResult(network: Network, task: Task, index: number, resultHash: Hex, fuelUsed: bigint) {
  const provider = task.providers[index];
  if (!provider) throw new Error(`task has no provider ${index}`);
  const taskId = taskIdOf(task.client, task.nonce);
  return send(
    network,
    providerWallet(network, provider).writeContract({
      address: network.deployment.contracts.replicatedVerifier,
      abi: replicatedVerifierAbi,
      functionName: 'reveal',
      args: [encodeTaskRecord(task), BigInt(index), resultHash, fuelUsed, saltFor(taskId, provider)],
    }),
  );
}

/** Reveals without a commitment, as the last of the task's providers to commit. */
export async function revealLastResult(network: Network, task: Task, index: number, resultHash: Hex, fuelUsed: bigint) {
  const provider = task.providers[index];
  if (!provider) throw new Error(`task has no provider ${index}`);
  return send(
    network,
    providerWallet(network, provider).writeContract({
      address: network.deployment.contracts.replicatedVerifier,
      abi: replicatedVerifierAbi,
      functionName: 'revealLast',
      args: [encodeTaskRecord(task), BigInt(index), resultHash, fuelUsed],
    }),
  );
}

export async function submitResult(network: Network, task: Task, resultHash: Hex, fuelUsed: bigint) {
  const provider = task.providers[0];
  if (!provider) throw new Error('task has no provider');
  return send(
    network,
    providerWallet(network, provider).writeContract({
      address: network.market,
      abi: computeMarketAbi,
      functionName: 'submitResult',
      args: [encodeTaskRecord(task), resultHash, fuelUsed],
    }),
  );
}

export async function escrowBalance(network: Network, account: Address) {
  return network.publicClient.readContract({
    address: network.market,
    abi: computeMarketAbi,
    functionName: 'balanceOf',
    args: [network.usd, account],
  });
}

/** Dry-runs `matchOrders` as the matcher: rejects with the contract's error, or gives the request to send. */
export function simulateMatch(network: Network, bid: Bid, bidSignature: Hex, asks: { ask: Ask; signature: Hex }[]) {
  return network.publicClient.simulateContract({
    account: network.matcher.account,
    address: network.market,
    abi: computeMarketAbi,
    functionName: 'matchOrders',
    args: [encodeOrders(bid, bidSignature, asks)],
  });
}

/** The status of the task (client, nonce) as the market reports it. */
export function readTaskStatus(network: Network, client: Address, nonce: bigint) {
  return network.publicClient.readContract({
    address: network.market,
    abi: computeMarketAbi,
    functionName: 'taskStatus',
    args: [client, nonce],
  });
}
