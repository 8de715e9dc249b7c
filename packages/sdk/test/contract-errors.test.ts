import { describe, expect, it } from 'vitest';

import {
  computeMarketAbi,
  explainContractError,
  providerRegistryAbi,
  reviewsAbi,
  storageMarketAbi,
} from '../src/index.js';

describe('contract errors', () => {
  it('explains every custom error of our contracts with a code and a sentence', () => {
    const ours = [...computeMarketAbi, ...storageMarketAbi, ...reviewsAbi, ...providerRegistryAbi].filter(
      (item) => item.type === 'error' && /^(Compute|Storage|Review|Registry|Escrow)/.test(item.name),
    );
    expect(ours.length).toBeGreaterThan(70);
    const unexplained = ours
      .filter((item) => item.type === 'error')
      .filter((item) => !explainContractError({ name: item.name, args: item.inputs.map(() => 1n) }))
      .map((item) => item.name);
    expect(unexplained).toEqual([]);
  });

  it('names the deal, slot and period of a wrong storage proof', () => {
    expect(explainContractError({ name: 'StorageInvalidProof', args: [7n, 1n, 3n] })).toEqual({
      code: 'AGORA_STORAGE_ROOT_MISMATCH',
      message: 'The segment and path do not lead to the root of deal 7 (slot 1, period 3).',
    });
  });
});
