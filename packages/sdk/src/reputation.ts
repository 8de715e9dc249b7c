// Reputation: what clients say (reviews, weighted by what they paid) and what the protocol saw (tasks settled,
// slashes, storage proofs made and missed). Both are ranked by a lower confidence bound rather than a mean, so
// a provider with one perfect review does not outrank one with ninety good ones, and the two are kept apart:
// never mixed into one number.

/** z for a one-sided 95 % bound. */
const z = 1.645;

/**
 * The Wilson score lower bound of a success share: the share we are 95 % sure the true rate is above.
 * @param successes Successes observed (may be fractional, as an effective count).
 * @param trials Trials observed.
 * @returns A number in [0, 1]; 0 with no trials.
 * @example wilsonLowerBound(90, 100) // 0.838…
 */
export function wilsonLowerBound(successes: number, trials: number): number {
  if (trials <= 0) return 0;
  const share = successes / trials;
  const z2 = z * z;
  const centre = share + z2 / (2 * trials);
  const margin = z * Math.sqrt((share * (1 - share) + z2 / (4 * trials)) / trials);
  return Math.max(0, (centre - margin) / (1 + z2 / trials));
}

/** One review as the ranking needs it. */
export type WeightedRating = { rating: number; weight: bigint };

export type ReviewScore = {
  count: number;
  /** Mean rating weighted by what each client paid (1 to 5); null with no reviews. */
  weightedMean: number | null;
  /** The ranking score on the star scale (1 to 5): a lower bound of the weighted mean; null with no reviews. */
  lowerBound: number | null;
  /** How many reviews gave 1, 2, 3, 4 and 5 stars. */
  stars: [number, number, number, number, number];
};

/** Running sums over a provider's reviews: enough to rank them without the reviews themselves. */
export type ReviewSums = {
  count: number;
  /** Σ w, with every weight at least 1 (see `reviewWeight`). */
  weight: number;
  /** Σ w². */
  weightSquares: number;
  /** Σ w · (rating − 1) / 4. */
  weightedShare: number;
  stars: readonly number[];
};

/** A review's weight in the ranking: what its client paid, at least 1, so a free task still counts as a review. */
export function reviewWeight(paid: bigint): number {
  return Math.max(1, Number(paid));
}

/** Adds one review to running sums. */
export function addReview(sums: ReviewSums, { rating, weight }: WeightedRating): ReviewSums {
  const w = reviewWeight(weight);
  return {
    count: sums.count + 1,
    weight: sums.weight + w,
    weightSquares: sums.weightSquares + w * w,
    weightedShare: sums.weightedShare + (w * (rating - 1)) / 4,
    stars: sums.stars.map((count, index) => (index === rating - 1 ? count + 1 : count)),
  };
}

export const noReviews: ReviewSums = {
  count: 0,
  weight: 0,
  weightSquares: 0,
  weightedShare: 0,
  stars: [0, 0, 0, 0, 0],
};

/**
 * Ranks reviews from their running sums. Ratings map to [0, 1]; their weighted mean is bounded below with the
 * Kish effective number of reviews (`(Σw)² / Σw²`), so one review with a huge weight counts as one review.
 */
export function reviewScoreFromSums(sums: ReviewSums): ReviewScore {
  const stars = [0, 1, 2, 3, 4].map((index) => sums.stars[index] ?? 0) as ReviewScore['stars'];
  if (sums.count === 0 || sums.weight === 0) return { count: 0, weightedMean: null, lowerBound: null, stars };
  const share = sums.weightedShare / sums.weight;
  const effective = (sums.weight * sums.weight) / sums.weightSquares;
  return {
    count: sums.count,
    weightedMean: 1 + 4 * share,
    lowerBound: 1 + 4 * wilsonLowerBound(share * effective, effective),
    stars,
  };
}

/**
 * Ranks a list of reviews (see `reviewScoreFromSums`).
 * @example reviewScore([{ rating: 5, weight: 10n }]).lowerBound // 2.1…
 */
export function reviewScore(reviews: readonly WeightedRating[]): ReviewScore {
  return reviewScoreFromSums(reviews.reduce(addReview, noReviews));
}

/** What the protocol recorded about a provider. */
export type ProviderActivity = {
  /** Tasks in which it was paid (its result agreed with the quorum, or the single replica settled). */
  tasksPaid: number;
  /** Tasks in which it was slashed: a dissenting result, no reveal, or no result at all. */
  tasksSlashed: number;
  /** Tasks that failed while it was assigned and it was not paid (a timeout without quorum). */
  tasksFailed: number;
  storageProofs: number;
  storageMisses: number;
};

/** What a settled task meant for its provider at `index`: paid, slashed, or neither (the task failed). */
export function providerOutcome(index: number, paidMask: bigint, slashedMask: bigint): 'paid' | 'slashed' | 'failed' {
  const bit = 1n << BigInt(index);
  return paidMask & bit ? 'paid' : slashedMask & bit ? 'slashed' : 'failed';
}

export type ObjectiveScore = ProviderActivity & {
  /** Share of its obligations met (paid tasks and proofs over all), null with none. */
  reliability: number | null;
  /** The ranking score in [0, 1]: a lower bound of `reliability`; null with no activity. */
  lowerBound: number | null;
};

/**
 * Scores what a provider did: every paid task and storage proof is an obligation met, every slash, failed task
 * and missed proof one broken.
 * @example objectiveScore({ tasksPaid: 9, tasksSlashed: 1, tasksFailed: 0, storageProofs: 0, storageMisses: 0 })
 */
export function objectiveScore(activity: ProviderActivity): ObjectiveScore {
  const met = activity.tasksPaid + activity.storageProofs;
  const total = met + activity.tasksSlashed + activity.tasksFailed + activity.storageMisses;
  return {
    ...activity,
    reliability: total === 0 ? null : met / total,
    lowerBound: total === 0 ? null : wilsonLowerBound(met, total),
  };
}
