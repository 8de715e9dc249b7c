import { randomBytes } from 'node:crypto';

import { parseEventLogs } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildMerkleTree, proveSegment, rootOfProof, storageMarketAbi, toAgoraError } from '@agora/sdk';

import { type Network, startNetwork } from '../src/scenario.js';
import { fundStorage, openStorageDeal, proveChallenge, storageMarketOf } from '../src/storage.js';

describe('storage proofs on anvil', () => {
  let network: Network;
  // 100,000 bytes: 1,563 segments, the last one partial, a tree of depth 11 padded with zero leaves.
  const data = new Uint8Array(randomBytes(100_000));
  const tree = buildMerkleTree(data);

  beforeAll(async () => {
    network = await startNetwork({ providerCount: 2 });
    await fundStorage(network, network.client, 1_000_000_000n);
    for (const provider of network.providers) await fundStorage(network, provider, 1_000_000_000n);
  }, 60_000);
  afterAll(async () => {
    await network?.stop();
  });

  it('builds the tree the contract verifies: every proof leads back to the root', () => {
    expect(tree.leafCount).toBe(1563);
    expect(tree.depth).toBe(11);
    for (const leafIndex of [0, 1, 777, 1562]) {
      expect(rootOfProof(proveSegment(tree, data, leafIndex))).toBe(tree.root);
    }
    const wrong = proveSegment(tree, data, 5);
    expect(rootOfProof({ ...wrong, leafIndex: 6 })).not.toBe(tree.root);
  });

  it('accepts the TypeScript proof of each challenged segment and refuses a tampered one', async () => {
    const { dealId, providers } = await openStorageDeal(network, tree, { replicas: 2, periods: 3 });
    const market = storageMarketOf(network);

    const first = await proveChallenge(network, dealId, 0, tree, data, providers[0]!);
    expect(first.receipt.status).toBe('success');
    const [proven] = parseEventLogs({ abi: storageMarketAbi, logs: first.receipt.logs, eventName: 'StorageProven' });
    expect(proven?.args).toMatchObject({ dealId, index: 0n, period: 0n, leafIndex: BigInt(first.leafIndex) });

    const tampered = await proveChallenge(network, dealId, 1, tree, data, providers[1]!, { tamper: true });
    expect(tampered.receipt.status).toBe('reverted');
    const simulated = await network.publicClient
      .simulateContract({
        account: providers[1]!.account,
        address: market,
        abi: storageMarketAbi,
        functionName: 'prove',
        args: [dealId, 1n, proveSegment(tree, data, 0).segment, proveSegment(tree, data, 0).siblings],
      })
      .catch((error: unknown) => toAgoraError(error, 'prove'));
    expect(simulated).toMatchObject({ details: 'StorageInvalidProof' });

    const honest = await proveChallenge(network, dealId, 1, tree, data, providers[1]!);
    expect(honest.receipt.status).toBe('success');
    const slot = await network.publicClient.readContract({
      address: market,
      abi: storageMarketAbi,
      functionName: 'slot',
      args: [dealId, 1n],
    });
    expect(slot).toMatchObject({ nextPeriod: 1, earned: 1 });
  });
});
