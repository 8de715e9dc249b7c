import { keccak256, parseEventLogs, toHex, zeroAddress } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  computeMarketAbi,
  decodeSettlement,
  createAgoraClient,
  createLanePool,
  laneOf,
  encodeTaskRecord,
  lockAmount,
  nonceOf,
  providerRegistryAbi,
  taskStatus,
} from '@agora/sdk';

import {
  type Network,
  commitResult,
  escrowBalance,
  matchTask,
  readTaskStatus,
  send,
  revealResult,
  signedAsk,
  signedBid,
  simulateMatch,
  startNetwork,
  submitResult,
} from '../src/scenario.js';

const resultHash = keccak256(toHex('sorted numbers: 1 2 3'));
const fuelUsed = 250_000n;

describe('compute market on anvil', () => {
  let network: Network;

  beforeAll(async () => {
    network = await startNetwork({ providerCount: 3 });
  }, 60_000);
  afterAll(async () => {
    await network?.stop();
  });

  it('runs a 3-replica task: three providers commit, reveal and are paid; the client gets the rest back', async () => {
    const client = network.client.account.address;
    const before = await escrowBalance(network, client);
    const { taskId, task, record } = await matchTask(network, { replicas: 3, quorum: 2 });
    expect(encodeTaskRecord(task)).toBe(record);

    const locked = lockAmount({ ...task, replicas: 3 });
    expect((await escrowBalance(network, client)).locked).toBe(before.locked + locked);

    for (let i = 0; i < 3; i++) await commitResult(network, task, i, resultHash, fuelUsed);
    const receipts = [];
    for (let i = 0; i < 3; i++) receipts.push(await revealResult(network, task, i, resultHash, fuelUsed));

    const [settled] = parseEventLogs({ abi: computeMarketAbi, logs: receipts[2]!.logs, eventName: 'TaskSettled' });
    expect(settled?.args).toMatchObject({ taskId, resultHash });
    expect(decodeSettlement(settled!.args.settlement)).toMatchObject({
      status: taskStatus.finalized,
      fuelUsed,
      paidMask: 7n,
      slashedMask: 0n,
    });

    const payment = fuelUsed * task.pricePerFuel;
    for (const provider of task.providers) {
      expect((await escrowBalance(network, provider)).free).toBe(payment);
    }
    const cost = payment * 3n;
    const charged =
      cost + (cost * BigInt(task.protocolFeeBps)) / 10_000n + (cost * BigInt(task.matcherFeeBps)) / 10_000n;
    const after = await escrowBalance(network, client);
    expect(after.locked).toBe(before.locked);
    expect(after.free).toBe(before.free - charged);

    expect(await readTaskStatus(network, task.client, task.nonce)).toBe(taskStatus.finalized);
  });

  it('slashes a provider that lies about its result and pays the honest two', async () => {
    const { task } = await matchTask(network, { replicas: 3, quorum: 2 });
    const liar = task.providers[1]!;
    const stakeBefore = await network.publicClient.readContract({
      address: network.deployment.contracts.providerRegistry,
      abi: providerRegistryAbi,
      functionName: 'providerOf',
      args: [liar],
    });
    const earned = await Promise.all(task.providers.map(async (p) => (await escrowBalance(network, p)).free));
    const lie = keccak256(toHex('a made-up result'));

    for (let i = 0; i < 3; i++) await commitResult(network, task, i, i === 1 ? lie : resultHash, fuelUsed);
    await revealResult(network, task, 0, resultHash, fuelUsed);
    const settling = await revealResult(network, task, 1, lie, fuelUsed);
    expect(parseEventLogs({ abi: computeMarketAbi, logs: settling.logs, eventName: 'TaskSettled' })).toHaveLength(0);
    const last = await revealResult(network, task, 2, resultHash, fuelUsed);
    const [settled] = parseEventLogs({ abi: computeMarketAbi, logs: last.logs, eventName: 'TaskSettled' });
    expect(decodeSettlement(settled!.args.settlement)).toMatchObject({
      status: taskStatus.finalized,
      paidMask: 5n,
      slashedMask: 2n,
    });

    const payment = fuelUsed * task.pricePerFuel;
    expect((await escrowBalance(network, task.providers[0]!)).free).toBe(earned[0]! + payment);
    expect((await escrowBalance(network, liar)).free).toBe(earned[1]!);
    expect((await escrowBalance(network, task.providers[2]!)).free).toBe(earned[2]! + payment);
    const stakeAfter = await network.publicClient.readContract({
      address: network.deployment.contracts.providerRegistry,
      abi: providerRegistryAbi,
      functionName: 'providerOf',
      args: [liar],
    });
    expect(stakeAfter.bonded).toBe(stakeBefore.bonded - stakeBefore.bonded / 10n);
  });

  it('settles a single replica in one transaction', async () => {
    const { task } = await matchTask(network, { replicas: 1, quorum: 1 }, { nonce: 2n });
    const provider = task.providers[0]!;
    const before = (await escrowBalance(network, provider)).free;
    await submitResult(network, task, resultHash, fuelUsed);
    expect((await escrowBalance(network, provider)).free).toBe(before + fuelUsed * task.pricePerFuel);
  });

  it('lets a client fill an ask itself through the SDK: no matcher, no matcher fee, no bid signature', async () => {
    const { bid } = await signedBid(network, { replicas: 1, quorum: 1, nonce: nonceOf(77, 1) });
    const asks = [await signedAsk(network, network.providers[0]!, { nonce: 6n })];
    const agora = createAgoraClient({
      publicClient: network.publicClient,
      wallet: network.client,
      deployment: network.deployment,
    });
    const { task } = await agora.fill(bid, asks);
    expect(task).toMatchObject({
      client: bid.client,
      nonce: bid.nonce,
      matcherFeeBps: 0,
      providers: [asks[0]!.ask.provider],
    });
    expect(task.matcher).toBe(zeroAddress);
    expect(await readTaskStatus(network, bid.client, bid.nonce)).toBe(taskStatus.matched);
  });

  it('refuses a replayed bid with the contract error', async () => {
    const { bid, signature } = await signedBid(network, { replicas: 1, quorum: 1 });
    const asks = [await signedAsk(network, network.providers[0]!, { nonce: 3n })];
    const { request } = await simulateMatch(network, bid, signature, asks);
    await send(network, network.matcher.writeContract(request));
    await expect(simulateMatch(network, bid, signature, asks)).rejects.toThrow(/ComputeNonceUsed/);
  });

  it('keeps one open task per lane, refuses a second one clearly, and reuses the lane once the first settles', async () => {
    const lane = 4_242;
    const status = (nonce: bigint) => readTaskStatus(network, network.client.account.address, nonce);
    const first = await matchTask(network, { replicas: 1, quorum: 1, nonce: nonceOf(lane, 1) }, { nonce: 4n });

    const { bid, signature } = await signedBid(network, { replicas: 1, quorum: 1, nonce: nonceOf(lane, 2) });
    const asks = [await signedAsk(network, network.providers[0]!, { nonce: 4n })];
    const simulate = () => simulateMatch(network, bid, signature, asks);
    await expect(simulate()).rejects.toThrow(/ComputeLaneBusy/);

    await submitResult(network, first.task, resultHash, fuelUsed);
    expect(await status(first.task.nonce)).toBe(taskStatus.finalized);
    const { request } = await simulate();
    await send(network, network.matcher.writeContract(request));
    expect(await status(bid.nonce)).toBe(taskStatus.matched);
    expect(await status(first.task.nonce)).toBe(taskStatus.retired);
  });

  it('reuses a settled lane for the next bid (warm words, less gas) and never a lane whose bid is still out', async () => {
    const client = network.client.account.address;
    const agora = createAgoraClient({ publicClient: network.publicClient, deployment: network.deployment });
    let reads = 0;
    const laneState = (owner: typeof client, lane: number) => (reads++, agora.laneState(owner, lane));
    let clock = Math.floor(Date.now() / 1000);
    const lanes = createLanePool({ client, laneState, now: () => clock });
    const deadline = BigInt(clock + 600);
    const matchIn = (nonce: bigint) => matchTask(network, { replicas: 1, quorum: 1, nonce, deadline }, { nonce: 5n });

    const first = await matchIn(await lanes.next(deadline));
    const firstLane = laneOf(first.task.nonce);
    expect(firstLane.seq).toBe(1);
    await submitResult(network, first.task, resultHash, fuelUsed);

    const again = await lanes.next(deadline);
    expect(laneOf(again)).toEqual({ lane: firstLane.lane, seq: 2 });
    // That bid is not matched yet: its lane is not handed out again.
    const fresh = await lanes.next(deadline);
    expect(laneOf(fresh).lane).not.toBe(firstLane.lane);
    expect(laneOf(fresh).seq).toBe(1);

    const inFresh = await matchIn(fresh);
    const inReused = await matchIn(again);
    expect(await readTaskStatus(network, client, again)).toBe(taskStatus.matched);
    expect(await readTaskStatus(network, client, first.task.nonce)).toBe(taskStatus.retired);
    // The lane's word rewritten (5,000 gas) instead of filled (22,100); the lanes' numbers, random, cost calldata gas
    // by their zero bytes (a few dozen either way).
    const saved = inFresh.receipt.gasUsed - inReused.receipt.gasUsed;
    expect(saved).toBeGreaterThanOrEqual(17_100n - 100n);
    expect(saved).toBeLessThanOrEqual(17_100n + 100n);

    // A bid that never matched gives its lane back once its deadline has passed.
    const soon = BigInt(clock + 10);
    const abandoned = laneOf(await lanes.next(soon));
    const meanwhile = laneOf(await lanes.next(soon));
    expect(meanwhile.lane).not.toBe(abandoned.lane);
    clock += 10 + 61;
    const handedBack = [laneOf(await lanes.next(deadline)), laneOf(await lanes.next(deadline))];
    expect(handedBack).toContainEqual({ lane: abandoned.lane, seq: abandoned.seq + 1 });
    const { nonce } = (await matchIn(nonceOf(abandoned.lane, abandoned.seq + 1))).task;
    expect(await readTaskStatus(network, client, nonce)).toBe(taskStatus.matched);

    // A client that saw its task settle says so, and the lane is reused without a read.
    await submitResult(network, inReused.task, resultHash, fuelUsed);
    lanes.settled(again);
    const readsBefore = reads;
    expect(laneOf(await lanes.next(deadline))).toEqual({ lane: firstLane.lane, seq: 3 });
    expect(reads).toBe(readsBefore);
  });
});
