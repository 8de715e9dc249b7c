// The agent's storage role: it offers storage with a signed ask, takes staged uploads (checked against their
// Merkle root before it keeps them), answers its slots' challenges every period, serves the bytes it holds,
// finishes its deals, and repairs slots other providers lost: it reports the miss, fetches the data from a
// surviving copy (checked against the root) and only then takes the slot over.
import { mkdir, open, readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

import { AgoraError, errorCodes } from '@agora/errors';
import type { Logger } from '@agora/service';
import {
  type StorageAsk,
  type StorageBid,
  type StoredTree,
  buildStoredTree,
  dealStatus,
  proveStoredSegment,
  readDeal,
  slotState,
  storageAskTypes,
  storageBidTypes,
  storageMarketAbi,
  storageMarketDomain,
  storageRenewalTypes,
} from '@agora/sdk';
import { type Address, type Hex, type LocalAccount, isHex, zeroAddress } from 'viem';
import { z } from 'zod';

import type { AgentChain } from './chain.js';
import { revertName } from './chain.js';
import type { AgentMetrics } from './metrics.js';
import { type DurableState, openDurableState, writeDurably } from './state.js';

export type StorageTerms = {
  token: Address;
  pricePerGiBPeriod: bigint;
  maxCollateralPerGiB: bigint;
  maxBytes: bigint;
  maxPeriods: number;
  /** Take over slots other providers lost. */
  repair: boolean;
  /** Claim a deal's earnings once this many proven periods are unpaid. */
  claimEveryPeriods: number;
};

/** A signed storage ask as the agent serves it: amounts as decimal strings. */
export type StorageAskJson = {
  ask: { [K in keyof StorageAsk]: StorageAsk[K] extends bigint ? string : StorageAsk[K] };
  signature: Hex;
  endpoint: string;
};

const storageStateSchema = z.object({
  /** The last block whose DealOpened events were read. */
  cursor: z.number().int(),
  /** Deals not yet seen finished. */
  deals: z.array(z.string()),
  askNonce: z.string(),
  /** The (deal, slot, period) proofs already sent, so a proof is sent once. */
  proven: z.record(z.string(), z.number().int()),
  /** Deals where the agent holds a slot, and those where it lost one: it does not repair a deal it failed. */
  holding: z.array(z.string()).default([]),
  lost: z.array(z.string()).default([]),
  /** The Merkle root of each deal the agent holds a slot of. */
  roots: z.record(z.string(), z.string()).default({}),
});

/** How long staged bytes wait for their deal to open before they are deleted. */
const STAGING_TTL_MS = 3_600_000;
const COLLECT_EVERY_MS = 60_000;
type StorageState = z.infer<typeof storageStateSchema>;

export type StorageRole = {
  /** A signed ask for clients to fill, signed again when it nears expiry. */
  ask(): Promise<StorageAskJson>;
  /** Keeps `bytes` if they hash to `root`. */
  stage(root: Hex, bytes: Uint8Array): Promise<void>;
  /** The bytes kept under `root`, if any. */
  read(root: Hex): Promise<Uint8Array<ArrayBuffer> | undefined>;
  /** Acts on every deal once per new block (`block`: the latest, which the agent has just read). */
  poll(block: bigint): Promise<void>;
  /**
   * Signs the agent's consent to keep deal `dealId` for `extraPeriods` more, if it holds one of its slots and the
   * longer deal stays within its terms.
   */
  consentToRenewal(dealId: bigint, extraPeriods: number, deadline: bigint): Promise<Hex>;
  /**
   * Accepts a client's bid: signs its EIP-712 digest, which the market requires of every provider of a deal, once
   * the agent holds staged bytes of the bid's root and size (checked against the root when they were staged) and the
   * bid fits its terms. Without it no deal can put the agent's collateral at risk.
   */
  accept(bid: StorageBid): Promise<Hex>;
  /** Closes the role's state file. */
  close(): Promise<void>;
};

export async function createStorageRole(options: {
  chain: AgentChain;
  market: Address;
  chainId: number;
  signer: LocalAccount;
  dataDir: string;
  terms: StorageTerms;
  startBlock: number;
  /** Blocks a DealOpened must be under before the agent takes the deal. */
  confirmations: number;
  endpoint: () => string;
  /** Where other providers' agents are reached: the matchers' `/providers` directories. */
  matchers: string[];
  logger: Logger;
  metrics: AgentMetrics;
}): Promise<StorageRole> {
  const { chain, market, signer, terms, logger, metrics } = options;
  const me = signer.address;
  const dir = path.join(options.dataDir, 'storage');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const state: DurableState<StorageState> = await openDurableState(path.join(dir, 'state.json'), storageStateSchema, {
    cursor: options.startBlock - 1,
    deals: [],
    askNonce: '0',
    proven: {},
    holding: [],
    lost: [],
    roots: {},
  });
  const fileOf = (root: Hex) => {
    if (!isHex(root) || root.length !== 66) {
      throw new AgoraError(errorCodes.INVALID_ARGUMENT, `${root} is not a Merkle root (32 bytes of hex).`);
    }
    return path.join(dir, `${root.toLowerCase()}.data`);
  };
  const trees = new Map<string, StoredTree>();
  const missingSaid = new Map<string, number>();
  let signed: { json: StorageAskJson; renewAt: number } | undefined;
  let lastBlock = -1n;
  let cursor = state.read().cursor;
  let cursorPersistedAt = 0;

  const read = async (root: Hex) => {
    try {
      return new Uint8Array(await readFile(fileOf(root)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  };

  const keep = async (root: Hex, bytes: Uint8Array) => {
    const tree = buildStoredTree(bytes);
    if (tree.root.toLowerCase() !== root.toLowerCase()) {
      throw new AgoraError(
        errorCodes.STORAGE_ROOT_MISMATCH,
        `The ${bytes.length} bytes have Merkle root ${tree.root}, not ${root}; nothing was kept.`,
      );
    }
    await writeDurably(fileOf(root), bytes);
    trees.set(root.toLowerCase(), tree);
  };

  const forget = async (root: Hex) => {
    trees.delete(root.toLowerCase());
    await rm(fileOf(root), { force: true });
  };

  /** The stored tree of `root`, rebuilt from the data file after a restart; undefined when the file is gone. */
  const treeOf = async (root: Hex): Promise<StoredTree | undefined> => {
    const file = fileOf(root);
    const exists = await stat(file).catch(() => undefined);
    if (!exists) {
      trees.delete(root.toLowerCase());
      return undefined;
    }
    let tree = trees.get(root.toLowerCase());
    if (!tree) {
      const bytes = await read(root);
      if (!bytes) return undefined;
      tree = buildStoredTree(bytes);
      trees.set(root.toLowerCase(), tree);
    }
    return tree;
  };

  const proveSlot = async (dealId: bigint, index: number, root: Hex, leafIndex: bigint, period: bigint) => {
    const key = `${dealId}:${index}`;
    if ((state.read().proven[key] ?? -1) >= Number(period)) return;
    const tree = await treeOf(root);
    if (!tree) {
      // Said once per period, not on every block of the window.
      if (missingSaid.get(key) !== Number(period)) {
        missingSaid.set(key, Number(period));
        metrics.errors.inc({ where: 'storage' });
        logger.error({ dealId, index, root, period }, 'cannot prove: the data of this deal is not here');
      }
      return;
    }
    const handle = await open(fileOf(root), 'r');
    let proof;
    try {
      proof = await proveStoredSegment(
        tree,
        async (start, end) => {
          const buffer = new Uint8Array(end - start);
          await handle.read(buffer, 0, buffer.length, start);
          return buffer;
        },
        Number(leafIndex),
      );
    } finally {
      await handle.close();
    }
    await chain.write({
      address: market,
      abi: storageMarketAbi,
      functionName: 'prove',
      args: [dealId, BigInt(index), proof.segment, proof.siblings],
    });
    await state.update((draft) => {
      draft.proven[key] = Number(period);
    });
    logger.info({ dealId, index, period, leafIndex }, 'storage proven');
  };

  /** Another provider's copy of `root`, checked against the root, from the agents of the deal's other slots. */
  const fetchFromPeers = async (root: Hex, holders: Address[]): Promise<Uint8Array | undefined> => {
    const endpoints = new Map<string, string>();
    for (const matcher of options.matchers) {
      try {
        const response = await fetch(new URL('/providers', matcher));
        const directory = (await response.json()) as Record<string, string>;
        for (const [address, endpoint] of Object.entries(directory)) endpoints.set(address.toLowerCase(), endpoint);
      } catch (error) {
        logger.warn({ err: error, matcher }, 'cannot read the provider directory');
      }
    }
    for (const holder of holders) {
      const endpoint = endpoints.get(holder.toLowerCase());
      if (!endpoint) continue;
      try {
        const response = await fetch(new URL(`/storage/data/${root}`, endpoint));
        if (!response.ok) continue;
        const bytes = new Uint8Array(await response.arrayBuffer());
        if (buildStoredTree(bytes).root.toLowerCase() === root.toLowerCase()) return bytes;
        logger.warn({ holder, root }, 'a peer served bytes that do not match the root');
      } catch (error) {
        logger.warn({ err: error, holder }, 'cannot fetch from a peer');
      }
    }
    return undefined;
  };

  const tryWrite = async (what: string, write: () => Promise<unknown>) => {
    try {
      await write();
      return true;
    } catch (error) {
      // Another agent may have done it first (finished, reported, repaired): the simulation says so.
      logger.debug({ err: error, revert: revertName(error) }, `${what} not sent`);
      return false;
    }
  };

  const actOnDeal = async (dealId: bigint, block: bigint): Promise<boolean> => {
    const { deal, slots } = await readDeal(chain.publicClient, market, dealId);
    if (deal.status !== dealStatus.active) return false;
    const endsAt = BigInt(deal.startBlock) + BigInt(deal.periods) * BigInt(deal.periodBlocks);

    const mine = slots.findIndex((slot) => slot.provider.toLowerCase() === me.toLowerCase());
    const id = dealId.toString();
    const known = state.read();
    if (mine >= 0 && !known.holding.includes(id)) {
      await state.update((draft) => {
        draft.holding.push(id);
        draft.roots[id] = deal.root;
      });
    } else if (mine < 0 && known.holding.includes(id)) {
      await state.update((draft) => {
        draft.holding = draft.holding.filter((held) => held !== id);
        draft.lost.push(id);
        delete draft.roots[id];
      });
    }
    // The next block is where a transaction sent now lands.
    const next = block + 1n;
    if (next >= endsAt) {
      if (mine >= 0 || terms.repair) {
        await tryWrite('finish', () =>
          chain.write({ address: market, abi: storageMarketAbi, functionName: 'finish', args: [dealId] }),
        );
      }
      return true;
    }
    if (mine >= 0) {
      const challenge = await chain.publicClient.readContract({
        address: market,
        abi: storageMarketAbi,
        functionName: 'challengeOf',
        args: [dealId, BigInt(mine)],
      });
      if (challenge.ready && block <= challenge.closesAt - 1n) {
        await proveSlot(dealId, mine, deal.root, challenge.leafIndex, challenge.period);
      }
      // Earnings are paid out every few periods rather than at the end of a long deal (a claim costs gas, so not
      // every period).
      const earned = slots[mine]?.earned ?? 0;
      if (earned >= terms.claimEveryPeriods) {
        await chain.write({
          address: market,
          abi: storageMarketAbi,
          functionName: 'claim',
          args: [dealId, BigInt(mine)],
        });
        logger.info({ dealId, index: mine, periods: earned }, 'storage earnings claimed');
      }
    }
    if (!terms.repair) return true;
    // Read once for the deal, after the holding bookkeeping above: it never repairs a deal it failed.
    const failedHere = state.read().lost.includes(id);
    for (const [index, slot] of slots.entries()) {
      if (index === mine) continue;
      const holding = slot.state === slotState.active || slot.state === slotState.repaired;
      const periodEnd = BigInt(deal.startBlock) + (BigInt(slot.nextPeriod) + 1n) * BigInt(deal.periodBlocks);
      if (holding && slot.nextPeriod < deal.periods && next >= periodEnd) {
        if (
          await tryWrite('reportMissed', () =>
            chain.write({
              address: market,
              abi: storageMarketAbi,
              functionName: 'reportMissed',
              args: [dealId, BigInt(index)],
            }),
          )
        ) {
          logger.info({ dealId, index, provider: slot.provider, period: slot.nextPeriod }, 'reported a missed proof');
        }
        continue;
      }
      const currentPeriod = (next - BigInt(deal.startBlock)) / BigInt(deal.periodBlocks);
      if (slot.state === slotState.repairing && mine < 0 && !failedHere && currentPeriod + 1n < BigInt(deal.periods)) {
        if (BigInt(deal.leafCount) * 64n > terms.maxBytes) continue;
        const holders = slots.filter((s) => s.provider !== zeroAddress).map((s) => s.provider);
        const held = await read(deal.root);
        const bytes = held ?? (await fetchFromPeers(deal.root, holders));
        if (!bytes) {
          logger.warn({ dealId, index }, 'cannot repair: no surviving copy answered');
          continue;
        }
        await keep(deal.root, bytes);
        if (
          await tryWrite('repair', () =>
            chain.write({
              address: market,
              abi: storageMarketAbi,
              functionName: 'repair',
              args: [dealId, BigInt(index)],
            }),
          )
        ) {
          logger.info({ dealId, index }, 'repaired a slot');
          return true;
        }
        // Another agent took the slot first: the copy fetched for it is not ours to keep.
        if (!held) await forget(deal.root);
      }
    }
    return true;
  };

  let nextPostAt = 0;
  /** Posts the signed ask to every matcher once a minute: their storage desks keep asks as soft state. */
  const postAsk = async () => {
    if (options.matchers.length === 0 || Date.now() < nextPostAt) return;
    nextPostAt = Date.now() + 60_000;
    const signed = await role.ask();
    for (const matcher of options.matchers) {
      try {
        const response = await fetch(new URL('/storage/asks', matcher), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(signed),
          signal: AbortSignal.timeout(10_000),
        });
        if (!response.ok) logger.warn({ matcher, status: response.status }, 'a matcher refused the storage ask');
      } catch (error) {
        logger.warn({ err: error, matcher }, 'cannot post the storage ask');
      }
    }
  };

  let nextCollectAt = 0;
  /** Deletes data no held deal needs: bytes of finished or lost deals, and uploads whose deal never opened. */
  const collectGarbage = async () => {
    if (Date.now() < nextCollectAt) return;
    nextCollectAt = Date.now() + COLLECT_EVERY_MS;
    const needed = new Set(Object.values(state.read().roots).map((root) => root.toLowerCase()));
    for (const name of await readdir(dir)) {
      if (!name.endsWith('.data')) continue;
      const root = name.slice(0, -'.data'.length);
      if (needed.has(root)) continue;
      const file = path.join(dir, name);
      const info = await stat(file).catch(() => undefined);
      if (!info || Date.now() - info.mtimeMs < STAGING_TTL_MS) continue;
      await forget(root as Hex);
      logger.info({ root }, 'deleted data no deal needs');
    }
  };

  const role: StorageRole = {
    async ask() {
      const now = Math.floor(Date.now() / 1000);
      if (signed && now < signed.renewAt) return signed.json;
      const nonce = BigInt(state.read().askNonce) + 1n;
      await state.update((draft) => {
        draft.askNonce = nonce.toString();
      });
      const ttl = 3600;
      const ask: StorageAsk = {
        provider: me,
        token: terms.token,
        pricePerGiBPeriod: terms.pricePerGiBPeriod,
        maxCollateralPerGiB: terms.maxCollateralPerGiB,
        maxBytes: terms.maxBytes,
        maxPeriods: terms.maxPeriods,
        volume: 1000,
        expiry: BigInt(now + ttl),
        nonce,
      };
      const signature = await signer.signTypedData({
        domain: storageMarketDomain(options.chainId, market),
        types: storageAskTypes,
        primaryType: 'StorageAsk',
        message: ask,
      });
      const json: StorageAskJson = {
        ask: {
          ...ask,
          pricePerGiBPeriod: ask.pricePerGiBPeriod.toString(),
          maxCollateralPerGiB: ask.maxCollateralPerGiB.toString(),
          maxBytes: ask.maxBytes.toString(),
          expiry: ask.expiry.toString(),
          nonce: ask.nonce.toString(),
        },
        signature,
        endpoint: options.endpoint(),
      };
      signed = { json, renewAt: now + (ttl * 4) / 5 };
      return json;
    },
    stage: keep,
    read,
    close: () => state.close(),
    async accept(bid) {
      const staged = await stat(fileOf(bid.root)).catch(() => undefined);
      if (!staged || BigInt(staged.size) !== bid.size) {
        throw new AgoraError(
          errorCodes.STORAGE_ROOT_MISMATCH,
          `This agent holds no ${bid.size} bytes under root ${bid.root}: upload them (PUT /storage/staging/${bid.root}) before asking it to accept the bid.`,
        );
      }
      const refuse = (message: string) => {
        throw new AgoraError(errorCodes.ORDER_INVALID, `This agent does not accept the bid: ${message}`);
      };
      if (bid.token.toLowerCase() !== terms.token.toLowerCase()) refuse(`it is paid in ${terms.token} only.`);
      if (bid.maxPricePerGiBPeriod < terms.pricePerGiBPeriod) {
        refuse(
          `its price is ${terms.pricePerGiBPeriod} per GiB and period; the bid pays at most ${bid.maxPricePerGiBPeriod}.`,
        );
      }
      if (bid.collateralPerGiB > terms.maxCollateralPerGiB) {
        refuse(
          `it locks at most ${terms.maxCollateralPerGiB} collateral per GiB; the bid asks ${bid.collateralPerGiB}.`,
        );
      }
      if (bid.periods > terms.maxPeriods) refuse(`it stores for at most ${terms.maxPeriods} periods.`);
      // The staged bytes must still be here when the deal opens: no later than the bid's deadline.
      const dropsAt = Math.floor((staged.mtimeMs + STAGING_TTL_MS) / 1000);
      if (bid.deadline > BigInt(dropsAt)) {
        refuse(`it keeps staged bytes until ${new Date(dropsAt * 1000).toISOString()}; the bid's deadline is later.`);
      }
      const signature = await signer.signTypedData({
        domain: storageMarketDomain(options.chainId, market),
        types: storageBidTypes,
        primaryType: 'StorageBid',
        message: bid,
      });
      logger.info({ client: bid.client, nonce: bid.nonce, root: bid.root }, 'storage bid accepted');
      return signature;
    },
    async consentToRenewal(dealId, extraPeriods, deadline) {
      const { deal, slots } = await readDeal(chain.publicClient, market, dealId);
      if (deal.status !== dealStatus.active) {
        throw new AgoraError(errorCodes.DEAL_NOT_FOUND, `Deal ${dealId} is not active on this market.`);
      }

      if (!slots.some((slot) => slot.provider.toLowerCase() === me.toLowerCase())) {
        throw new AgoraError(errorCodes.NOT_AUTHORIZED, `This agent holds no slot of deal ${dealId}.`);
      }
      if (deal.periods + extraPeriods > terms.maxPeriods) {
        throw new AgoraError(
          errorCodes.ORDER_INVALID,
          `This agent stores for at most ${terms.maxPeriods} periods; the deal would last ${deal.periods + extraPeriods}.`,
        );
      }
      return signer.signTypedData({
        domain: storageMarketDomain(options.chainId, market),
        types: storageRenewalTypes,
        primaryType: 'StorageRenewal',
        message: { dealId, fromPeriods: deal.periods, extraPeriods, deadline },
      });
    },
    async poll(block) {
      await postAsk();
      if (block === lastBlock) return;
      lastBlock = block;
      const from = BigInt(cursor + 1);
      // New deals are taken once they are `confirmations` deep; a deal a reorg undoes then reads as not active.
      const settled = block - BigInt(options.confirmations);
      if (from <= settled) {
        const opened = await chain.publicClient.getContractEvents({
          address: market,
          abi: storageMarketAbi,
          eventName: 'DealOpened',
          fromBlock: from,
          toBlock: settled,
        });
        cursor = Number(settled);
        // New deals go to disk at once; the cursor alone at most once a second (a restart reads those blocks again,
        // and taking a deal twice is harmless).
        if (opened.length > 0 || Date.now() - cursorPersistedAt >= 1_000) {
          cursorPersistedAt = Date.now();
          await state.update((draft) => {
            draft.cursor = Number(settled);
            for (const event of opened) {
              const id = String(event.args.dealId);
              if (!draft.deals.includes(id)) draft.deals.push(id);
            }
          });
        }
      }
      const finished: string[] = [];
      for (const id of state.read().deals) {
        try {
          if (!(await actOnDeal(BigInt(id), block))) finished.push(id);
        } catch (error) {
          metrics.errors.inc({ where: 'storage' });
          logger.error({ err: error, dealId: id }, 'storage step failed; retrying on the next block');
        }
      }
      await collectGarbage();
      if (finished.length > 0) {
        await state.update((draft) => {
          draft.deals = draft.deals.filter((id) => !finished.includes(id));
          draft.holding = draft.holding.filter((id) => !finished.includes(id));
          for (const id of finished) delete draft.roots[id];
          draft.lost = draft.lost.filter((id) => !finished.includes(id));
          for (const id of finished) {
            for (const key of Object.keys(draft.proven)) if (key.startsWith(`${id}:`)) delete draft.proven[key];
          }
        });
      }
    },
  };
  return role;
}

/** Deletes the kept copy of `root` (a test helper for a provider that loses its data). */
export async function dropStoredCopy(dataDir: string, root: Hex): Promise<void> {
  await rm(path.join(dataDir, 'storage', `${root.toLowerCase()}.data`), { force: true });
}
