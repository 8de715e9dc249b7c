import { describe, expect, it } from 'vitest';

import { objectiveScore, reviewScore, wilsonLowerBound } from '../src/index.js';

describe('reputation', () => {
  it('ranks one five-star review below ninety good ones', () => {
    const single = reviewScore([{ rating: 5, weight: 1_000n }]);
    const ninety = reviewScore(
      Array.from({ length: 90 }, (_, index) => ({ rating: index % 2 === 0 ? 5 : 4, weight: 1_000n })),
    );
    expect(single.weightedMean).toBe(5);
    expect(ninety.weightedMean).toBe(4.5);
    expect(single.lowerBound!).toBeLessThan(2.5);
    expect(ninety.lowerBound!).toBeGreaterThan(4);
    expect(ninety.lowerBound!).toBeGreaterThan(single.lowerBound!);
    expect(ninety.stars).toEqual([0, 0, 0, 45, 45]);
  });

  it('weighs reviews by what was paid, but one huge payment counts as one review', () => {
    const cheapPraise = Array.from({ length: 20 }, () => ({ rating: 5, weight: 10n }));
    const mixed = reviewScore([...cheapPraise, { rating: 1, weight: 1_000n }]);
    // The expensive one-star review dominates the mean…
    expect(mixed.weightedMean!).toBeLessThan(2);
    // …and one giant five-star review is no better evidence than a single review.
    const whale = reviewScore([
      { rating: 5, weight: 10n ** 30n },
      { rating: 1, weight: 1n },
    ]);
    expect(whale.lowerBound!).toBeLessThan(reviewScore(cheapPraise).lowerBound!);
  });

  it('has no score without reviews or activity', () => {
    expect(reviewScore([])).toEqual({ count: 0, weightedMean: null, lowerBound: null, stars: [0, 0, 0, 0, 0] });
    const idle = objectiveScore({ tasksPaid: 0, tasksSlashed: 0, tasksFailed: 0, storageProofs: 0, storageMisses: 0 });
    expect(idle.reliability).toBeNull();
    expect(idle.lowerBound).toBeNull();
  });

  it('bounds reliability below its observed share, tighter with more evidence', () => {
    const few = objectiveScore({ tasksPaid: 9, tasksSlashed: 1, tasksFailed: 0, storageProofs: 0, storageMisses: 0 });
    const many = objectiveScore({
      tasksPaid: 450,
      tasksSlashed: 10,
      tasksFailed: 0,
      storageProofs: 440,
      storageMisses: 40,
    });
    expect(few.reliability).toBe(0.9);
    expect(many.reliability).toBeCloseTo(890 / 940);
    expect(few.lowerBound!).toBeLessThan(0.9);
    expect(many.reliability! - many.lowerBound!).toBeLessThan(few.reliability! - few.lowerBound!);
    expect(wilsonLowerBound(0, 10)).toBe(0);
    expect(wilsonLowerBound(10, 10)).toBeLessThan(1);
  });
});
