// Storage deals on a real network: funding, signed orders, opening a deal and answering its challenges.
import { type Address, type Hex, type TransactionReceipt, parseEventLogs, toHex } from 'viem';

import {
  type MerkleTree,
  type StorageAsk,
  type StorageBid,
  createAgoraClient,
  proveSegment,
  storageAskTypes,
  storageBidTypes,
  storageMarketAbi,
  storageMarketDomain,
  testStablecoinAbi,
} from '@agora/sdk';

import { type Network, type Wallet, PLACEHOLDER_CID, send } from './scenario.js';

export const STORAGE_PRICE = 5_000_000n; // tUSD base units per GiB per period
export const STORAGE_COLLATERAL = 100_000_000n; // per GiB

export function storageMarketOf(network: Network): Address {
  return network.deployment.contracts.storageMarket;
}

/** Mints test dollars to `wallet` and deposits them into the storage market's escrow. */
export async function fundStorage(network: Network, wallet: Wallet, amount: bigint): Promise<void> {
  await send(
    network,
    wallet.writeContract({
      address: network.usd,
      abi: testStablecoinAbi,
      functionName: 'mint',
      args: [wallet.account.address, amount],
    }),
  );
  await createAgoraClient({
    publicClient: network.publicClient,
    wallet,
    deployment: network.deployment,
  }).storageDeposit(network.usd, amount);
}

let nextNonce = 1n;

/** Opens a deal for `tree` through the matcher with the first `replicas` providers, all asking the same price. */
export async function openStorageDeal(
  network: Network,
  tree: Pick<MerkleTree, 'root' | 'size'>,
  { replicas = 1, periods = 4 }: { replicas?: number; periods?: number } = {},
): Promise<{ dealId: bigint; providers: Wallet[]; receipt: TransactionReceipt }> {
  const market = storageMarketOf(network);
  const domain = storageMarketDomain(network.chain.id, market);
  const expiry = BigInt(Math.floor(Date.now() / 1000) + 3600);
  const nonce = nextNonce++;
  const bid: StorageBid = {
    client: network.client.account.address,
    token: network.usd,
    root: tree.root,
    size: BigInt(tree.size),
    cid: PLACEHOLDER_CID,
    periods,
    replicas,
    maxPricePerGiBPeriod: STORAGE_PRICE,
    collateralPerGiB: STORAGE_COLLATERAL,
    deadline: expiry,
    nonce,
    matcher: network.matcher.account.address,
  };
  const providers = network.providers.slice(0, replicas);
  const asks: StorageAsk[] = providers.map((provider) => ({
    provider: provider.account.address,
    token: network.usd,
    pricePerGiBPeriod: STORAGE_PRICE,
    maxCollateralPerGiB: STORAGE_COLLATERAL,
    maxBytes: 1n << 40n,
    maxPeriods: 1000,
    volume: 1000,
    expiry,
    nonce,
  }));
  const askSignatures = await Promise.all(
    asks.map((message, i) =>
      providers[i]!.signTypedData({ domain, types: storageAskTypes, primaryType: 'StorageAsk', message }),
    ),
  );
  const bidSignature = await network.client.signTypedData({
    domain,
    types: storageBidTypes,
    primaryType: 'StorageBid',
    message: bid,
  });
  // Each provider accepts the bid, as its agent does once it holds the data.
  const acceptances = await Promise.all(
    providers.map((provider) =>
      provider.signTypedData({ domain, types: storageBidTypes, primaryType: 'StorageBid', message: bid }),
    ),
  );
  const receipt = await send(
    network,
    network.matcher.writeContract({
      address: market,
      abi: storageMarketAbi,
      functionName: 'matchDeal',
      args: [bid, bidSignature, asks, askSignatures, acceptances],
    }),
  );
  const [opened] = parseEventLogs({ abi: storageMarketAbi, logs: receipt.logs, eventName: 'DealOpened' });
  if (!opened) throw new Error('matchDeal emitted no DealOpened');
  return { dealId: opened.args.dealId, providers, receipt };
}

/** Mines blocks on anvil until the latest block is at least `block`. */
export async function mineTo(network: Network, block: bigint): Promise<void> {
  // Uncached: a block number remembered from before the last transactions would mine too few.
  const current = await network.publicClient.getBlockNumber({ cacheTime: 0 });
  if (block > current) {
    await network.publicClient.request({
      method: 'anvil_mine' as never,
      params: [toHex(block - current)] as never,
    });
  }
}

/** Waits for slot `index`'s proof window, then answers its challenge from `data` as its provider would. */
export async function proveChallenge(
  network: Network,
  dealId: bigint,
  index: number,
  tree: MerkleTree,
  data: Uint8Array,
  provider: Wallet,
  { tamper = false } = {},
): Promise<{ receipt: TransactionReceipt; leafIndex: number; period: bigint }> {
  const market = storageMarketOf(network);
  const read = () =>
    network.publicClient.readContract({
      address: market,
      abi: storageMarketAbi,
      functionName: 'challengeOf',
      args: [dealId, BigInt(index)],
    });
  let challenge = await read();
  await mineTo(network, challenge.opensAt);
  challenge = await read();
  if (!challenge.ready) throw new Error(`the challenge of deal ${dealId} slot ${index} is not ready`);
  const proof = proveSegment(tree, data, Number(challenge.leafIndex));
  const segment: readonly [Hex, Hex] = tamper
    ? [proof.segment[0], toHex(BigInt(proof.segment[1]) ^ 1n, { size: 32 })]
    : proof.segment;
  const hash = provider.writeContract({
    address: market,
    abi: storageMarketAbi,
    functionName: 'prove',
    args: [dealId, BigInt(index), segment, proof.siblings],
    // A fixed limit, so a wrong proof is mined and reverts on chain instead of failing the estimate.
    gas: 500_000n,
  });
  const receipt = await network.publicClient.waitForTransactionReceipt({ hash: await hash });
  return { receipt, leafIndex: proof.leafIndex, period: challenge.period };
}
