// Storage through the `agora` CLI on a whole local network: a 10 MB file stored with 2 replicas is proven period
// after period and read back identical; a provider that deletes its copy misses its proof, loses its collateral and
// another agent repairs the slot from a surviving copy; a corrupted copy is caught on read.
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { type Agent, dropStoredCopy, loadConfig, startAgent } from '@agora/agent';
import { type DevNetwork, startDevNetwork } from '@agora/cli';
import {
  type StorageBid,
  buildStoredTree,
  storageBidTypes,
  storageMarketAbi,
  storageMarketDomain,
  storageOrderToJson,
} from '@agora/sdk';
import { createLogger } from '@agora/service';
import { type Address, type Hex, createPublicClient, http, verifyTypedData, zeroAddress } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { agora, errorCodeOf } from '../src/agora-cli.js';
import { until } from '../src/wait.js';

type DealStatusJson = {
  status: string;
  currentPeriod: number | null;
  periods: number;
  slots: { index: number; provider: string; state: string; nextPeriod: number; proven: number; missed: number }[];
  history: { event: string; slot?: number; period?: number }[];
};

describe('agora store on a local network', () => {
  let dev: DevNetwork;
  let dir: string;
  let env: Record<string, string>;
  let original: Uint8Array;
  let originalFile: string;
  let dealId: string;
  let root: string;
  let holders: string[];
  let mining = true;
  let paused = false;
  let miner: Promise<void>;
  const restarted: Agent[] = [];
  const logger = createLogger({ level: process.env.AGORA_TEST_LOG ?? 'silent' });

  const status = async () => {
    const result = await agora(['store', 'status', dealId, '--network', dev.file], env);
    expect(result.code).toBe(0);
    return result.json as unknown as DealStatusJson;
  };
  const agentIndexOf = (address: string) =>
    dev.agents.findIndex((agent) => agent.provider.toLowerCase() === address.toLowerCase());
  const dataDirOf = (address: string) => path.join(dev.file, '..', 'providers', String(agentIndexOf(address)), 'data');

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'agora-store-'));
    dev = await startDevNetwork({
      dir: path.join(dir, 'net'),
      providers: 3,
      agents: 3,
      blockTime: 0,
      storagePeriodBlocks: 20,
      storageWindowBlocks: 12,
      logger,
    });
    env = { AGORA_KEYS_DIR: path.join(dir, 'keys') };
    original = new Uint8Array(randomBytes(10_000_000));
    originalFile = path.join(dir, 'original.bin');
    await writeFile(originalFile, original);
    // Blocks pass as on a live chain: one every 100 ms, besides those the agents' transactions mine.
    const publicClient = createPublicClient({ transport: http(dev.anvil.rpcUrl) });
    miner = (async () => {
      while (mining) {
        if (!paused) {
          await publicClient.request({ method: 'evm_mine' as never, params: [] as never }).catch(() => undefined);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
  }, 120_000);

  afterAll(async () => {
    mining = false;
    await miner;
    for (const agent of restarted) await agent.stop();
    await dev?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores a 10 MB file, encrypted, with the two cheapest providers', async () => {
    const put = await agora(
      ['store', 'put', originalFile, '--replicas', '2', '--duration', '30', '--network', dev.file],
      env,
    );
    expect(put.code, JSON.stringify(put.json)).toBe(0);
    // Through the matcher's storage desk, which holds the agents' signed asks and earns the matcher fee.
    expect(put.json).toMatchObject({ encrypted: true, plainSize: 10_000_000, periods: 30, matched: 'matcher' });
    // The two cheapest asks are agents 0 and 1.
    holders = put.json.providers as string[];
    expect(holders.map(agentIndexOf)).toEqual([0, 1]);
    expect(put.stderr).toMatch(/uploading to provider 2\/2 \[#+\] 100%/);
    dealId = String(put.json.dealId);
    root = put.json.root as string;
    expect(((await status()) as unknown as { matcher: string }).matcher.toLowerCase()).toBe(
      dev.matcher.address.toLowerCase(),
    );
    const keyFile = JSON.parse(await readFile(put.json.keyFile as string, 'utf8')) as { key: string; root: string };
    expect(keyFile.root).toBe(root);
    // What the providers hold is ciphertext, not the file.
    const held = new Uint8Array(await readFile(path.join(dataDirOf(holders[0]!), 'storage', `${root}.data`)));
    expect(held.length).toBe(10_000_000 + 32 + 10 * 16);
    expect(Buffer.from(held.subarray(32, 64)).equals(Buffer.from(original.subarray(0, 32)))).toBe(false);
  }, 120_000);

  it('has both replicas proven over several periods', async () => {
    const proven = await until(
      'two periods proven by both replicas',
      async () => {
        const current = await status();
        return current.slots.every((slot) => slot.proven >= 2) ? current : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(proven.slots.map((slot) => slot.missed)).toEqual([0, 0]);
    // Paid out as the deal goes: the dev agents claim every two proven periods.
    const claimed = await until(
      'earnings claimed by both providers',
      async () => {
        const current = await status();
        const claims = current.history.filter((h) => h.event === 'EarningsClaimed');
        return new Set(claims.map((h) => h.slot)).size === 2 ? claims : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(claimed.length).toBeGreaterThanOrEqual(2);
    expect(proven.history.filter((h) => h.event === 'StorageProven').length).toBeGreaterThanOrEqual(4);
  }, 120_000);

  it('reads the file back identical', async () => {
    const out = path.join(dir, 'back.bin');
    const get = await agora(['store', 'get', dealId, '--out', out, '--network', dev.file], env);
    expect(get.code, get.stderr).toBe(0);
    expect(get.json).toMatchObject({ encrypted: true, bytes: 10_000_000 });
    expect(Buffer.from(await readFile(out)).equals(Buffer.from(original))).toBe(true);
  }, 60_000);

  it('stores public data as it is with --no-encrypt and reads it back by CID', async () => {
    const file = path.join(dir, 'public.txt');
    const text = 'public data, stored as it is\n'.repeat(1000);
    await writeFile(file, text);
    const put = await agora(
      ['store', 'put', file, '--no-encrypt', '--direct', '--replicas', '1', '--duration', '5', '--network', dev.file],
      env,
    );
    expect(put.code, JSON.stringify(put.json)).toBe(0);
    expect(put.json).toMatchObject({ encrypted: false, size: text.length, matched: 'direct' });
    expect(put.json.keyFile).toBeUndefined();
    const held = await readFile(
      path.join(dataDirOf((put.json.providers as string[])[0]!), 'storage', `${put.json.root as string}.data`),
      'utf8',
    );
    expect(held).toBe(text);
    const out = path.join(dir, 'public-back.txt');
    const get = await agora(['store', 'get', put.json.cid as string, '--out', out, '--network', dev.file], env);
    expect(get.code, JSON.stringify(get.json)).toBe(0);
    expect(get.json).toMatchObject({ dealId: String(put.json.dealId), encrypted: false });
    expect(await readFile(out, 'utf8')).toBe(text);
    const unknown = await agora(['store', 'get', 'not-a-cid', '--out', out, '--network', dev.file], env);
    expect(errorCodeOf(unknown)).toBe('AGORA_INVALID_ARGUMENT');
  }, 60_000);

  it('keeps proving across an agent restart: state and data survive, the tree is rebuilt from the file', async () => {
    const before = (await status()).slots[0]!;
    paused = true;
    const home = path.join(dev.file, '..', 'providers', '0');
    await dev.agents[0]!.stop();
    const agent = await startAgent(await loadConfig(path.join(home, 'agent.json')), {
      logger: logger.child({ service: 'agent', provider: 0, restarted: true }),
    });
    restarted.push(agent);
    paused = false;
    const after = await until(
      'two more proofs by the restarted agent',
      async () => {
        const slot = (await status()).slots[0]!;
        return slot.proven >= before.proven + 2 ? slot : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(after.missed).toBe(0);
    expect(after.provider).toBe(before.provider);
  }, 90_000);

  it('slashes a provider that deleted its copy and repairs the slot from a surviving one', async () => {
    const lost = holders[1]!;
    const repairer = dev.agents[2]!.provider;
    const publicClient = createPublicClient({ transport: http(dev.anvil.rpcUrl) });
    const market = dev.deployment.contracts.storageMarket;
    const collateralOf = async (account: Address, blockNumber?: bigint) =>
      (
        await publicClient.readContract({
          address: market,
          abi: storageMarketAbi,
          functionName: 'balanceOf',
          args: [dev.network.token, account],
          ...(blockNumber === undefined ? {} : { blockNumber }),
        })
      ).free;
    const repairerBefore = await collateralOf(repairer);

    await dropStoredCopy(dataDirOf(lost), root as `0x${string}`);
    const repaired = await until(
      'the lost slot repaired by the third agent and proven by it',
      async () => {
        const current = await status();
        const slot = current.slots[1]!;
        return slot.provider.toLowerCase() === repairer.toLowerCase() && slot.state === 'active' ? current : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(repaired.slots[1]!.missed).toBe(1);
    const missed = repaired.history.find((h) => h.event === 'ProofMissed');
    expect(missed).toMatchObject({ slot: 1 });
    expect(repaired.history.some((h) => h.event === 'SlotRepaired' && h.slot === 1)).toBe(true);
    // The repairer locked collateral and was paid the repair reward with its first proof: the lost provider's
    // collateral minus the client's compensation.
    const deal = await publicClient.readContract({
      address: market,
      abi: storageMarketAbi,
      functionName: 'deal',
      args: [BigInt(dealId)],
    });
    const reward = deal.collateral - (deal.collateral * 5000n) / 10_000n;
    // The repairer keeps proving and claims every two periods: balance and claims are read at one block.
    const at = await publicClient.getBlockNumber({ cacheTime: 0 });
    const claims = await publicClient.getContractEvents({
      address: market,
      abi: storageMarketAbi,
      eventName: 'EarningsClaimed',
      args: { dealId: BigInt(dealId), provider: repairer },
      fromBlock: 0n,
      toBlock: at,
    });
    const claimed = claims.reduce((sum, claim) => sum + (claim.args.amount ?? 0n), 0n);
    expect(await collateralOf(repairer, at)).toBe(repairerBefore - deal.collateral + reward + claimed);
    // The slot's new holder now serves it: the file still reads back.
    const out = path.join(dir, 'after-repair.bin');
    const get = await agora(['store', 'get', dealId, '--out', out, '--network', dev.file], env);
    expect(get.code, get.stderr).toBe(0);
    expect(Buffer.from(await readFile(out)).equals(Buffer.from(original))).toBe(true);
  }, 120_000);

  it('detects a corrupted copy on read: skips it, and refuses when no copy is intact', async () => {
    const current = await status();
    const copies = current.slots.map((slot) => path.join(dataDirOf(slot.provider), 'storage', `${root}.data`));
    const corrupt = async (file: string, offset: number) => {
      const handle = await open(file, 'r+');
      const byte = new Uint8Array(1);
      await handle.read(byte, 0, 1, offset);
      byte[0] = byte[0]! ^ 0xff;
      await handle.write(byte, 0, 1, offset);
      await handle.close();
    };
    await corrupt(copies[0]!, 5_000_000);
    const out = path.join(dir, 'corrupt-skipped.bin');
    const get = await agora(['store', 'get', dealId, '--out', out, '--network', dev.file], env);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stderr).toMatch(/failed the root check/);
    expect((get.json.from as string).toLowerCase()).toBe(current.slots[1]!.provider.toLowerCase());
    expect(Buffer.from(await readFile(out)).equals(Buffer.from(original))).toBe(true);

    await corrupt(copies[1]!, 123);
    const refused = await agora(
      ['store', 'get', dealId, '--out', path.join(dir, 'none.bin'), '--network', dev.file],
      env,
    );
    expect(refused.code).toBe(2);
    expect(errorCodeOf(refused)).toBe('AGORA_STORAGE_ROOT_MISMATCH');
  }, 60_000);

  it('refuses uploads that are not what they claim, with a code and a reason', async () => {
    const endpoint = dev.agents[2]!.url;
    const wrongRoot = `0x${'ab'.repeat(32)}`;
    const put = await fetch(`${endpoint}/storage/staging/${wrongRoot}`, { method: 'PUT', body: new Uint8Array(1000) });
    expect(put.status).toBe(422);
    const body = (await put.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('AGORA_STORAGE_ROOT_MISMATCH');
    expect(body.error.message).toMatch(/nothing was kept/);
    const malformed = await fetch(`${endpoint}/storage/staging/0x1234`, { method: 'PUT', body: new Uint8Array(10) });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { message: string } }).error.message).toMatch(/64 hex digits/);
    expect((await fetch(`${endpoint}/storage/data/${wrongRoot}`)).status).toBe(404);

    // The matcher's storage desk: a forged ask and a deal naming a provider it holds no ask of.
    const ask = (await (await fetch(`${endpoint}/storage/ask`)).json()) as { ask: { pricePerGiBPeriod: string } };
    ask.ask.pricePerGiBPeriod = '1';
    const forged = await fetch(`${dev.matcher.url}/storage/asks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ask),
    });
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('AGORA_ORDER_SIGNATURE_INVALID');
    const garbage = await fetch(`${dev.matcher.url}/storage/deals`, { method: 'POST', body: '{"bid":1}' });
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as { error: { code: string } }).error.code).toBe('AGORA_ORDER_INVALID');
  });

  it('has a provider accept a bid only for data it holds, so a client that never uploads opens no deal', async () => {
    const endpoint = dev.agents[2]!.url;
    const { ask } = (await (await fetch(`${endpoint}/storage/ask`)).json()) as {
      ask: { provider: Address; token: Address; pricePerGiBPeriod: string; maxCollateralPerGiB: string };
    };
    const bytes = new Uint8Array(randomBytes(5_000));
    const tree = buildStoredTree(bytes);
    const bid: StorageBid = {
      client: '0x000000000000000000000000000000000000c11e',
      token: ask.token,
      root: tree.root,
      size: BigInt(bytes.length),
      cid: '0x01551220',
      periods: 4,
      replicas: 1,
      maxPricePerGiBPeriod: BigInt(ask.pricePerGiBPeriod),
      collateralPerGiB: BigInt(ask.maxCollateralPerGiB),
      deadline: BigInt(Math.floor(Date.now() / 1000) + 600),
      nonce: 77n,
      matcher: zeroAddress,
    };
    const accept = (asked: StorageBid) =>
      fetch(`${endpoint}/storage/acceptances`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(storageOrderToJson(asked)),
      });
    const notHeld = await accept(bid);
    expect(notHeld.status).toBe(422);
    const notHeldBody = (await notHeld.json()) as { error: { code: string; message: string } };
    expect(notHeldBody.error.code).toBe('AGORA_STORAGE_ROOT_MISMATCH');
    expect(notHeldBody.error.message).toMatch(/upload them/);

    const staged = await fetch(`${endpoint}/storage/staging/${tree.root}`, { method: 'PUT', body: bytes });
    expect(staged.status).toBe(201);
    const greedy = await accept({ ...bid, collateralPerGiB: BigInt(ask.maxCollateralPerGiB) + 1n });
    expect(greedy.status).toBe(422);
    expect(((await greedy.json()) as { error: { message: string } }).error.message).toMatch(/collateral per GiB/);

    const accepted = await accept(bid);
    expect(accepted.status).toBe(200);
    const { signature } = (await accepted.json()) as { signature: Hex };
    const market = dev.network.deployment.contracts.storageMarket;
    const valid = await verifyTypedData({
      address: ask.provider,
      domain: storageMarketDomain(dev.network.chainId, market),
      types: storageBidTypes,
      primaryType: 'StorageBid',
      message: bid,
      signature,
    });
    expect(valid, "the acceptance is the provider's signature over exactly this bid").toBe(true);
  });

  it("renews with every provider's consent, then cancels with the later periods refunded", async () => {
    const before = await status();
    const renewed = await agora(['store', 'renew', dealId, '--periods', '5', '--network', dev.file], env);
    expect(renewed.code, JSON.stringify(renewed.json)).toBe(0);
    expect(renewed.json.periods).toBe(String(before.periods + 5));
    expect(renewed.stderr).toMatch(/consent 2\/2/);

    const cancelled = await agora(['store', 'cancel', dealId, '--network', dev.file], env);
    expect(cancelled.code, JSON.stringify(cancelled.json)).toBe(0);
    const after = await status();
    expect(after.periods).toBe(Number(cancelled.json.periods));
    expect(after.periods).toBeLessThan(before.periods + 5);
    expect(BigInt(cancelled.json.refund as string)).toBeGreaterThan(0n);
    const again = await agora(['store', 'cancel', dealId, '--network', dev.file], env);
    expect(again.code).toBe(2);
    // In its last period, or already finished by an agent once that period ended: either way, nothing to cancel.
    expect(['AGORA_DEAL_STATE_INVALID', 'AGORA_DEAL_NOT_FOUND']).toContain(errorCodeOf(again));
    expect((again.json.error as { message: string }).message).toMatch(/nothing left to cancel|has finished/);
  }, 60_000);
});
