import { describe, expect, it } from 'vitest';

import { createGroupCommit } from '../src/index.js';

describe('group commit', () => {
  it('writes what arrives during a write as the next batch, in order, and fails only the batch whose write failed', async () => {
    const batches: string[][] = [];
    let release!: () => void;
    const commit = createGroupCommit<string>(async (batch) => {
      batches.push(batch);
      if (batch.includes('fail')) throw new Error('disk full');
      if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    const first = commit.add('a');
    const during = ['b', 'fail', 'c'].map((item) => commit.add(item));
    release();
    await first;
    const outcomes = await Promise.allSettled(during);
    const after = commit.add('d');
    await commit.settled();
    await after;
    expect(batches).toEqual([['a'], ['b', 'fail', 'c'], ['d']]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(new Error('disk full'));
  });
});
