// What a client does to store a file: encrypt it (the key stays with the client, in a key file), build its Merkle
// tree, pick the cheapest providers that offer storage, upload the bytes to each (each checks them against the
// root), open the deal by filling their signed asks, and later read it back from any holder, checked segment by
// segment against the root before anything is decrypted.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';

import { cidOf, parseCid } from '@agora/content';
import { AgoraError, errorCodes } from '@agora/errors';
import {
  type StorageAsk,
  type StorageBid,
  buildStoredTree,
  decryptFile,
  encryptFile,
  generateStorageKey,
  isEncryptedFile,
  signedStorageAskJsonSchema,
  storageAskTypes,
  storageOrderToJson,
  dealStatus,
  readDeal,
  slotState,
  storageBidTypes,
  storageMarketAbi,
  storageMarketDomain,
  amountJson,
  formatAmount,
} from '@agora/sdk';
import {
  type Address,
  type Hex,
  bytesToHex,
  hexToBytes,
  isHex,
  parseEventLogs,
  verifyTypedData,
  zeroAddress,
} from 'viem';
import { z } from 'zod';

import { matcherAccountOf } from './matcher-account.js';
import type { connect, NetworkFile } from './network-file.js';
import type { Progress } from './client-tasks.js';

type Connected = ReturnType<typeof connect>;

const GIB = 1n << 30n;
const BPS = 10_000n;

/** A provider's signed storage ask, where its agent is, and whether the network's matcher holds it too. */
export type StorageOffer = { ask: StorageAsk; signature: Hex; endpoint: string; atMatcher: boolean };

/** The key file a client keeps for each stored file: without it the data cannot be read. */
const keyFileSchema = z.object({
  kind: z.literal('agora.storage.key.v1'),
  key: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
  root: z.string(),
  cid: z.string(),
  size: z.number().int(),
  plainSize: z.number().int(),
  dealId: z.string().optional(),
});

export function keysDir(): string {
  return process.env.AGORA_KEYS_DIR ?? path.join(homedir(), '.agora', 'keys');
}

async function providerDirectory(network: NetworkFile): Promise<Map<string, string>> {
  const endpoints = new Map<string, string>();
  for (const agent of network.agents) endpoints.set(agent.address.toLowerCase(), agent.url);
  try {
    const response = await fetch(`${network.matcherUrl}/providers`, { signal: AbortSignal.timeout(10_000) });
    if (response.ok) {
      for (const [address, endpoint] of Object.entries((await response.json()) as Record<string, string>)) {
        endpoints.set(address.toLowerCase(), endpoint);
      }
    }
  } catch {
    // The network file's agents are enough on a dev network; elsewhere the offers below say what was found.
  }
  return endpoints;
}

/**
 * Signed storage asks: those the matcher's storage desk holds and those the network's agents serve, checked
 * (signature, token, expiry), the newest per provider.
 */
export async function storageOffers(network: NetworkFile, token: Address): Promise<StorageOffer[]> {
  const market = network.deployment.contracts.storageMarket;
  const now = BigInt(Math.floor(Date.now() / 1000));
  const candidates: { json: unknown; atMatcher: boolean }[] = [];
  const getJson = async (url: string) => {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      return response.ok ? ((await response.json()) as unknown) : undefined;
    } catch {
      return undefined; // a service that does not answer offers nothing
    }
  };
  const desk = await getJson(`${network.matcherUrl}/storage/asks`);
  if (Array.isArray(desk)) for (const json of desk) candidates.push({ json, atMatcher: true });
  for (const endpoint of new Set((await providerDirectory(network)).values())) {
    const json = await getJson(`${endpoint}/storage/ask`);
    if (json !== undefined) candidates.push({ json, atMatcher: false });
  }
  const offers = new Map<string, StorageOffer>();
  for (const { json, atMatcher } of candidates) {
    const parsed = signedStorageAskJsonSchema.safeParse(json);
    if (!parsed.success || !parsed.data.endpoint) continue;
    const { ask, signature, endpoint } = parsed.data;
    if (ask.token.toLowerCase() !== token.toLowerCase() || ask.expiry <= now + 60n) continue;
    const valid = await verifyTypedData({
      address: ask.provider,
      domain: storageMarketDomain(network.chainId, market),
      types: storageAskTypes,
      primaryType: 'StorageAsk',
      message: ask,
      signature,
    });
    if (!valid) continue;
    const key = ask.provider.toLowerCase();
    const known = offers.get(key);
    if (!known || known.ask.nonce < ask.nonce) {
      offers.set(key, { ask, signature, endpoint, atMatcher });
    } else if (known.ask.nonce === ask.nonce && atMatcher) {
      known.atMatcher = true;
    }
  }
  return [...offers.values()];
}

/** The provider's acceptance of the bid: its signature over the bid, given once it holds the bid's bytes. */
async function acceptanceOf(endpoint: string, bid: StorageBid): Promise<Hex> {
  let response: Response;
  try {
    response = await fetch(`${endpoint}/storage/acceptances`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(storageOrderToJson(bid)),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (cause) {
    throw new AgoraError(errorCodes.SERVICE_UNAVAILABLE, `The provider at ${endpoint} did not answer.`, { cause });
  }
  const answer = (await response.json().catch(() => undefined)) as
    { signature?: string; error?: { message?: string } } | undefined;
  if (!response.ok || !answer?.signature || !isHex(answer.signature)) {
    throw new AgoraError(
      errorCodes.ORDER_INVALID,
      `The provider at ${endpoint} did not accept the bid: ${answer?.error?.message ?? `HTTP ${response.status}`}`,
    );
  }
  return answer.signature;
}

async function uploadTo(endpoint: string, root: Hex, bytes: Uint8Array, onBytes: (sent: number) => void) {
  let sent = 0;
  const piece = 1 << 20;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= bytes.length) {
        controller.close();
        return;
      }
      const next = bytes.slice(sent, sent + piece);
      sent += next.length;
      onBytes(sent);
      controller.enqueue(next);
    },
  });
  let response: Response;
  try {
    response = await fetch(`${endpoint}/storage/staging/${root}`, {
      method: 'PUT',
      body,
      headers: { 'content-length': String(bytes.length), 'content-type': 'application/octet-stream' },
      duplex: 'half',
      signal: AbortSignal.timeout(600_000),
    } as RequestInit);
  } catch (cause) {
    throw new AgoraError(errorCodes.SERVICE_UNAVAILABLE, `The provider at ${endpoint} did not take the upload.`, {
      cause,
    });
  }
  if (!response.ok) {
    const answer = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
    throw new AgoraError(
      errorCodes.SERVICE_UNAVAILABLE,
      `The provider at ${endpoint} refused the upload: ${answer?.error?.message ?? `HTTP ${response.status}`}`,
    );
  }
}

export type StoreOptions = {
  replicas: number;
  periods: number;
  encrypt: boolean;
  maxPrice?: bigint | undefined;
  collateralPerGiB?: bigint | undefined;
  /** Fill the asks directly instead of through the matcher (no matcher fee). */
  direct?: boolean | undefined;
  keyFile?: string | undefined;
};

/** Encrypts, builds the tree, uploads to the cheapest fitting providers, opens the deal and writes the key file. */
export async function storeFile(
  agora: Connected,
  network: NetworkFile,
  file: string,
  options: StoreOptions,
  progress: Progress,
) {
  const plaintext = new Uint8Array(
    await readFile(file).catch((cause: unknown) => {
      throw new AgoraError(errorCodes.INVALID_ARGUMENT, `Cannot read the file ${file}: ${(cause as Error).message}`, {
        cause,
      });
    }),
  );
  if (plaintext.length === 0) throw new AgoraError(errorCodes.INVALID_ARGUMENT, `${file} is empty; nothing to store.`);
  const key = options.encrypt ? generateStorageKey() : undefined;
  const stored = key ? encryptFile(plaintext, key) : plaintext;
  if (key) progress('encrypted with XChaCha20-Poly1305', { bytes: stored.length });
  let said = 0;
  const tree = buildStoredTree(stored, (fraction) => {
    // Large files take seconds to hash: say how far it got every tenth.
    if (fraction >= said + 0.1) {
      said = Math.floor(fraction * 10) / 10;
      progress(`hashing ${bar(Math.round(fraction * 100))} ${Math.round(fraction * 100)}%`);
    }
  });
  const storedCid = await cidOf(stored);
  const cid = storedCid.toString();
  progress('Merkle tree built', { root: tree.root, segments: tree.leafCount, depth: tree.depth, cid });

  const token = network.token;
  const size = BigInt(stored.length);
  const offers = (await storageOffers(network, token))
    .filter(({ ask }) => ask.maxBytes >= size && ask.maxPeriods >= options.periods)
    .filter(({ ask }) => options.maxPrice === undefined || ask.pricePerGiBPeriod <= options.maxPrice)
    .sort((a, b) => (a.ask.pricePerGiBPeriod < b.ask.pricePerGiBPeriod ? -1 : 1));
  const byProvider = new Map(offers.map((offer) => [offer.ask.provider.toLowerCase(), offer]));
  const chosen = [...byProvider.values()].slice(0, options.replicas);
  if (chosen.length < options.replicas) {
    throw new AgoraError(
      errorCodes.ORDER_INVALID,
      `${options.replicas} replicas need ${options.replicas} providers offering storage of ${size} bytes for ${options.periods} periods; ${chosen.length} do.`,
    );
  }
  const price = chosen.reduce((max, { ask }) => (ask.pricePerGiBPeriod > max ? ask.pricePerGiBPeriod : max), 0n);
  const collateralPerGiB =
    options.collateralPerGiB ??
    chosen.reduce((min, { ask }) => (ask.maxCollateralPerGiB < min ? ask.maxCollateralPerGiB : min), 2n ** 255n);

  const market = network.deployment.contracts.storageMarket;
  const params = await agora.publicClient.readContract({
    address: market,
    abi: storageMarketAbi,
    functionName: 'params',
  });
  // Through the matcher when its desk holds every chosen ask (it earns the matcher fee), else filled directly.
  const viaMatcher = !options.direct && chosen.every((offer) => offer.atMatcher);
  const payment = (price * size + GIB - 1n) / GIB;
  const unit =
    payment +
    (payment * BigInt(params.protocolFeeBps)) / BPS +
    (viaMatcher ? (payment * BigInt(params.matcherFeeBps)) / BPS : 0n);
  const cost = unit * BigInt(options.periods) * BigInt(options.replicas);
  await ensureStorageFunds(agora, token, cost, progress);

  const bid: StorageBid = {
    client: agora.account,
    token,
    root: tree.root,
    size,
    cid: bytesToHex(storedCid.bytes),
    periods: options.periods,
    replicas: options.replicas,
    maxPricePerGiBPeriod: price,
    collateralPerGiB,
    // Long enough for the uploads to every provider; within the hour a provider keeps staged bytes.
    deadline: BigInt(Math.floor(Date.now() / 1000) + 1800),
    nonce: BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000)),
    matcher: viaMatcher ? await matcherAccountOf(network) : zeroAddress,
  };
  const signature = await agora.wallet.signTypedData({
    domain: storageMarketDomain(network.chainId, market),
    types: storageBidTypes,
    primaryType: 'StorageBid',
    message: bid,
  });
  // The bytes go to every provider before any money moves; each checks them against the root and only then accepts
  // the bid (signs it), which the market requires of every provider of a deal.
  const acceptances: Hex[] = [];
  for (const [i, { endpoint, ask }] of chosen.entries()) {
    let reported = 0;
    await uploadTo(endpoint, tree.root, stored, (sent) => {
      const percent = Math.floor((sent / stored.length) * 100);
      if (percent >= reported + 25 || sent === stored.length) {
        reported = percent;
        progress(`uploading to provider ${i + 1}/${chosen.length} ${bar(percent)} ${percent}%`, {
          provider: ask.provider,
          sent,
          total: stored.length,
        });
      }
    });
    acceptances.push(await acceptanceOf(endpoint, bid));
    progress(`provider ${i + 1}/${chosen.length} accepted the bid`, { provider: ask.provider });
  }

  const { dealId, transaction } = viaMatcher
    ? await matchThroughMatcher(network, bid, signature, chosen, acceptances)
    : await fillDirectly(agora, bid, chosen, acceptances);
  progress(viaMatcher ? 'deal matched by the matcher' : 'deal opened', { dealId, transaction });

  let keyFile: string | undefined;
  if (key) {
    keyFile = options.keyFile ?? path.join(keysDir(), `${cid}.json`);
    await mkdir(path.dirname(keyFile), { recursive: true, mode: 0o700 });
    const document: z.infer<typeof keyFileSchema> = {
      kind: 'agora.storage.key.v1',
      key: bytesToHex(key),
      root: tree.root,
      cid,
      size: stored.length,
      plainSize: plaintext.length,
      dealId: dealId.toString(),
    };
    await writeFile(keyFile, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
  }
  return {
    dealId,
    cid,
    root: tree.root,
    size: stored.length,
    plainSize: plaintext.length,
    encrypted: key !== undefined,
    keyFile,
    providers: chosen.map((offer) => offer.ask.provider),
    matched: viaMatcher ? 'matcher' : 'direct',
    pricePerGiBPeriod: price,
    periods: options.periods,
    cost,
  };
}

async function fillDirectly(agora: Connected, bid: StorageBid, chosen: StorageOffer[], acceptances: Hex[]) {
  const receipt = await agora.openDeal(
    bid,
    chosen.map((offer) => offer.ask),
    chosen.map((offer) => offer.signature),
    acceptances,
  );
  const [opened] = parseEventLogs({ abi: storageMarketAbi, logs: receipt.logs, eventName: 'DealOpened' });
  if (!opened) throw new AgoraError(errorCodes.CONTRACT_REVERTED, 'openDeal emitted no DealOpened.');
  return { dealId: opened.args.dealId, transaction: receipt.transactionHash };
}

async function matchThroughMatcher(
  network: NetworkFile,
  bid: StorageBid,
  signature: Hex,
  chosen: StorageOffer[],
  acceptances: Hex[],
) {
  let response: Response;
  try {
    response = await fetch(`${network.matcherUrl}/storage/deals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        bid: storageOrderToJson(bid),
        signature,
        providers: chosen.map((offer) => offer.ask.provider),
        acceptances,
      }),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (cause) {
    throw new AgoraError(errorCodes.SERVICE_UNAVAILABLE, `The matcher ${network.matcherUrl} did not answer.`, {
      cause,
    });
  }
  const body = (await response.json().catch(() => undefined)) as
    { dealId?: string; transactionHash?: Hex; error?: { code?: string; message?: string } } | undefined;
  if (!response.ok || !body?.dealId || !body.transactionHash) {
    const code =
      Object.values(errorCodes).find((known) => known === body?.error?.code) ?? errorCodes.SERVICE_UNAVAILABLE;
    throw new AgoraError(
      code,
      `The matcher did not open the deal: ${body?.error?.message ?? `HTTP ${response.status}`}`,
    );
  }
  return { dealId: BigInt(body.dealId), transaction: body.transactionHash };
}

function bar(percent: number): string {
  const filled = Math.round(percent / 5);
  return `[${'#'.repeat(filled)}${'.'.repeat(20 - filled)}]`;
}

/**
 * Funds a deal before it is matched. Each deal brings its own money, its whole cost in one deposit: deals of one
 * client in flight at once then never spend each other's deposit (topping up only the shortfall of the free balance
 * raced with them, and the later deal failed to open). What a deal leaves free stays in the storage escrow, shown by
 * `wallet balance` and withdrawn with `wallet withdraw --storage`. Only when the wallet cannot pay the whole cost is
 * the free balance counted in.
 */
async function ensureStorageFunds(agora: Connected, token: Address, cost: bigint, progress: Progress) {
  const [held, unit] = await Promise.all([agora.tokenBalance(token), agora.tokenUnit(token)]);
  let deposit = cost;
  if (held < cost) {
    const { free } = await agora.storageBalance(token);
    deposit = cost > free ? cost - free : 0n;
    if (held < deposit) {
      throw new AgoraError(
        errorCodes.INSUFFICIENT_FUNDS,
        `The deal costs ${formatAmount(cost, unit)}; the storage escrow holds ${formatAmount(free, unit)} free and the wallet ${formatAmount(held, unit)}. Add at least ${formatAmount(deposit - held, unit)} to the wallet.`,
      );
    }
  }
  if (deposit === 0n) return;
  await agora.storageDeposit(token, deposit);
  progress(`deposited ${formatAmount(deposit, unit)} into the storage escrow`, { amount: amountJson(deposit, unit) });
}

type DealRecord = { dealId: bigint; root: Hex; cid: string; holders: Address[] };

async function dealRecord(agora: Connected, network: NetworkFile, dealId: bigint): Promise<DealRecord> {
  const market = network.deployment.contracts.storageMarket;
  const { deal, slots } = await readDeal(agora.publicClient, market, dealId);
  if (deal.status === dealStatus.none)
    throw new AgoraError(errorCodes.DEAL_NOT_FOUND, `Deal ${dealId} does not exist on this market.`);
  const [opened] = await agora.publicClient.getContractEvents({
    address: market,
    abi: storageMarketAbi,
    eventName: 'DealOpened',
    args: { dealId },
    fromBlock: BigInt(network.deployment.startBlock),
  });

  const { CID } = await import('@agora/content');
  const holders = [
    ...new Set([...slots.map((slot) => slot.provider), ...(opened?.args.providers ?? [])].map((a) => a.toLowerCase())),
  ].filter((address) => address !== zeroAddress) as Address[];
  return {
    dealId,
    root: deal.root,
    cid: opened?.args.cid ? CID.decode(hexToBytes(opened.args.cid)).toString() : '',
    holders,
  };
}

/** A storage key file; missing (ENOENT, rethrown as it is) and "not a key file" are different mistakes. */
async function readKeyFile(file: string) {
  const text = await readFile(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = keyFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new AgoraError(
      errorCodes.CONFIG_INVALID,
      `${file} is not an Agora storage key file (a JSON document with the deal's key, as store put writes it).`,
    );
  }
  return parsed.data;
}

/** The deal that stores `cid`: the one its key file names, else the latest deal the chain shows for that CID. */
async function dealOfCid(agora: Connected, network: NetworkFile, cid: string, keyFile: string): Promise<bigint> {
  const key = await readKeyFile(keyFile).catch(() => undefined);
  if (key?.dealId) return BigInt(key.dealId);
  let wanted: Hex;
  try {
    wanted = bytesToHex(parseCid(cid).bytes);
  } catch (cause) {
    throw new AgoraError(errorCodes.INVALID_ARGUMENT, `"${cid}" is neither a deal id nor a CID.`, { cause });
  }
  const opened = await agora.publicClient.getContractEvents({
    address: network.deployment.contracts.storageMarket,
    abi: storageMarketAbi,
    eventName: 'DealOpened',
    fromBlock: BigInt(network.deployment.startBlock),
  });
  const match = opened.filter((event) => event.args.cid?.toLowerCase() === wanted.toLowerCase()).at(-1);
  if (!match?.args.dealId) throw new AgoraError(errorCodes.DEAL_NOT_FOUND, `No deal on this market stores ${cid}.`);
  return match.args.dealId;
}

/**
 * Fetches a stored file from any holder, checks it against the deal's root (a copy that fails is skipped and named),
 * decrypts it with its key file and returns the original bytes.
 */
export async function retrieveFile(
  agora: Connected,
  network: NetworkFile,
  target: string,
  options: { keyFile?: string | undefined },
  progress: Progress,
) {
  let dealId: bigint;
  let keyFile = options.keyFile;
  if (/^\d+$/.test(target)) {
    dealId = BigInt(target);
  } else {
    dealId = await dealOfCid(agora, network, target, keyFile ?? path.join(keysDir(), `${target}.json`));
  }
  const record = await dealRecord(agora, network, dealId);
  const directory = await providerDirectory(network);
  const rejected: string[] = [];
  for (const holder of record.holders) {
    const endpoint = directory.get(holder.toLowerCase());
    if (!endpoint) continue;
    let bytes: Uint8Array;
    try {
      const response = await fetch(`${endpoint}/storage/data/${record.root}`, { signal: AbortSignal.timeout(600_000) });
      if (!response.ok) {
        rejected.push(`${holder}: HTTP ${response.status}`);
        continue;
      }
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      rejected.push(`${holder}: ${(error as Error).message}`);
      continue;
    }
    const root = buildStoredTree(bytes).root;
    if (root.toLowerCase() !== record.root.toLowerCase()) {
      rejected.push(`${holder}: the bytes have root ${root}, not the deal's`);
      progress('a copy failed the root check; trying the next holder', { provider: holder });
      continue;
    }
    progress('fetched and checked against the root', { provider: holder, bytes: bytes.length });
    let plaintext = bytes;
    let encrypted = false;
    if (isEncryptedFile(bytes)) {
      encrypted = true;
      keyFile ??= path.join(keysDir(), `${record.cid}.json`);
      const key = await readKeyFile(keyFile).catch((cause: unknown) => {
        if (cause instanceof AgoraError) throw cause;
        throw new AgoraError(
          errorCodes.STORAGE_DECRYPT_FAILED,
          `Deal ${dealId} is encrypted and there is no key file at ${keyFile}; give --key-file.`,
          { cause },
        );
      });
      plaintext = decryptFile(bytes, hexToBytes(key.key as Hex));
      progress('decrypted');
    }
    return { dealId, cid: record.cid, root: record.root, from: holder, encrypted, bytes: plaintext };
  }
  throw new AgoraError(
    rejected.some((reason) => reason.includes('root'))
      ? errorCodes.STORAGE_ROOT_MISMATCH
      : errorCodes.STORAGE_UNAVAILABLE,
    `No holder of deal ${dealId} served bytes that match its root.`,
    { details: rejected.join('; ') || 'no holder has an endpoint the network knows' },
  );
}

/** A deal's terms, its slots and every proof, miss and repair, from the chain. */
export async function describeDeal(agora: Connected, network: NetworkFile, dealId: bigint) {
  const market = network.deployment.contracts.storageMarket;
  const { deal, slots } = await readDeal(agora.publicClient, market, dealId);
  if (deal.status === dealStatus.none)
    throw new AgoraError(errorCodes.DEAL_NOT_FOUND, `Deal ${dealId} does not exist on this market.`);

  const fromBlock = BigInt(deal.startBlock);
  const events = await agora.publicClient.getContractEvents({ address: market, abi: storageMarketAbi, fromBlock });
  const history = events
    .filter((event) => 'dealId' in event.args && event.args.dealId === dealId)
    .map((event) => {
      const args = event.args as Record<string, unknown>;
      return {
        event: event.eventName,
        block: event.blockNumber,
        slot: args.index === undefined ? undefined : Number(args.index),
        period: args.period === undefined ? undefined : Number(args.period),
        provider: args.provider as Address | undefined,
        transaction: event.transactionHash,
      };
    });
  const block = await agora.publicClient.getBlockNumber();
  const names = Object.keys(slotState);
  return {
    dealId,
    status: deal.status === dealStatus.active ? 'active' : 'finished',
    root: deal.root,
    client: deal.client,
    matcher: deal.matcher,
    startBlock: deal.startBlock,
    periodBlocks: deal.periodBlocks,
    windowBlocks: deal.windowBlocks,
    periods: deal.periods,
    currentPeriod: deal.status === dealStatus.active ? Number((block - fromBlock) / BigInt(deal.periodBlocks)) : null,
    payment: deal.payment,
    collateral: deal.collateral,
    slots: slots.map((slot, index) => ({
      index,
      provider: slot.provider,
      state: names[slot.state] ?? String(slot.state),
      nextPeriod: slot.nextPeriod,
      proven: history.filter((h) => h.event === 'StorageProven' && h.slot === index).length,
      missed: history.filter((h) => h.event === 'ProofMissed' && h.slot === index).length,
    })),
    history,
  };
}

/** Ends a deal after the current period; the later periods come back to the client's escrow. */
export async function cancelDeal(agora: Connected, dealId: bigint) {
  const receipt = await agora.cancelDeal(dealId);
  const [cancelled] = parseEventLogs({ abi: storageMarketAbi, logs: receipt.logs, eventName: 'DealCancelled' });
  return { dealId, periods: cancelled?.args.periods ?? 0n, refund: cancelled?.args.refund ?? 0n };
}

/** Extends a deal by `extraPeriods`: every slot's provider signs its consent, the client pays the extra periods. */
export async function renewDeal(
  agora: Connected,
  network: NetworkFile,
  dealId: bigint,
  extraPeriods: number,
  progress: Progress,
) {
  const market = network.deployment.contracts.storageMarket;
  const { deal, slots } = await readDeal(agora.publicClient, market, dealId);
  if (deal.status !== dealStatus.active) {
    throw new AgoraError(errorCodes.DEAL_NOT_FOUND, `Deal ${dealId} is not active.`);
  }
  const directory = await providerDirectory(network);
  const deadline = BigInt(Math.floor(Date.now() / 1000) + 600);
  const consents: Hex[] = [];
  for (const [index, slot] of slots.entries()) {
    if (slot.provider === zeroAddress) {
      consents.push('0x');
      continue;
    }
    const endpoint = directory.get(slot.provider.toLowerCase());
    if (!endpoint) {
      throw new AgoraError(errorCodes.SERVICE_UNAVAILABLE, `No endpoint is known for provider ${slot.provider}.`);
    }
    const response = await fetch(`${endpoint}/storage/renewals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dealId: dealId.toString(), extraPeriods, deadline: deadline.toString() }),
      signal: AbortSignal.timeout(30_000),
    }).catch((cause: unknown) => {
      throw new AgoraError(errorCodes.SERVICE_UNAVAILABLE, `Provider ${slot.provider} did not answer.`, { cause });
    });
    const body = (await response.json().catch(() => undefined)) as
      { signature?: Hex; error?: { message?: string } } | undefined;
    if (!response.ok || !body?.signature) {
      throw new AgoraError(
        errorCodes.ORDER_INVALID,
        `Provider ${slot.provider} does not consent: ${body?.error?.message ?? `HTTP ${response.status}`}`,
      );
    }
    consents.push(body.signature);
    progress(`consent ${index + 1}/${deal.replicas}`, { provider: slot.provider });
  }
  const unit =
    deal.payment +
    (deal.payment * BigInt(deal.protocolFeeBps)) / BPS +
    (deal.payment * BigInt(deal.matcherFeeBps)) / BPS;
  const cost = unit * BigInt(extraPeriods) * BigInt(deal.replicas);
  await ensureStorageFunds(agora, deal.token, cost, progress);
  const receipt = await agora.renewDeal(dealId, extraPeriods, deadline, consents);
  const [renewed] = parseEventLogs({ abi: storageMarketAbi, logs: receipt.logs, eventName: 'DealRenewed' });
  return { dealId, periods: renewed?.args.periods ?? 0n, cost: renewed?.args.cost ?? cost };
}
