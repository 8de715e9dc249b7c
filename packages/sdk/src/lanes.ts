// Which lane a client's next bid goes in. A lane holds one open task at a time and its storage words are reused by
// every task in it: reusing a settled lane rewrites warm words (about 17,000 gas less per task than a fresh lane)
// and keeps the chain's state from growing by a few words per task forever.
import type { Address } from 'viem';
import { laneOf, nonceOf, randomLane } from './orders.js';

/** What the pool needs to know of a lane on chain (the market's `laneState`). */
export type LaneReading = { status: number; floor: number };

export type LanePoolOptions = {
  client: Address;
  laneState: (client: Address, lane: number) => Promise<LaneReading>;
  /** Lanes remembered at most; the oldest are forgotten past it (a forgotten lane is never reused, only wasted). */
  capacity?: number;
  /** Seconds since the epoch, as the chain's clock reads them; the wall clock by default. */
  now?: () => number;
  /** A fresh lane number; random by default (`1` to `2^32-1`). */
  freshLane?: () => number;
};

export type LanePool = {
  /**
   * The nonce for a bid valid until `deadline`: the next sequence of a lane whose task its client saw settle, else of
   * the oldest lane this pool handed out if the chain shows its last bid matched and settled (or unmatchable), else
   * sequence 1 of a fresh lane.
   */
  next(deadline: bigint): Promise<bigint>;
  /**
   * Tells the pool the task of `nonce` has settled (its client saw `TaskSettled`): its lane is reused next without a
   * read of the chain. A nonce the pool did not hand out last in its lane is ignored.
   */
  settled(nonce: bigint): void;
};

const matched = 1;
/** Slack on the bid deadline before a lane whose bid never matched is taken back (clocks differ a little). */
const deadlineSlackSeconds = 60;

/**
 * Hands out lanes in the order they were last used, taking one back only when the chain says its last bid is done:
 * matched and settled (the lane is not `Matched` and its floor passed the bid's sequence), or past its deadline and
 * never matched. A lane whose bid is still in a matcher's book is never reused, since a later sequence matched first
 * would retire that bid. One `laneState` read per bid while the pool has lanes; none for a fresh lane, or for a lane
 * whose task its client said settled (`settled`).
 */
export function createLanePool({
  client,
  laneState,
  capacity = 1024,
  now = () => Math.floor(Date.now() / 1000),
  freshLane = randomLane,
}: LanePoolOptions): LanePool {
  // Insertion order is the order lanes were handed out: the first entry is the oldest, the likeliest to be free.
  const lanes = new Map<number, { seq: number; deadline: bigint; settled?: true }>();

  const remember = (lane: number, seq: number, deadline: bigint) => {
    lanes.delete(lane);
    lanes.set(lane, { seq, deadline });
    for (const oldest of lanes.keys()) {
      if (lanes.size <= capacity) break;
      lanes.delete(oldest);
    }
    return nonceOf(lane, seq);
  };

  const fresh = (deadline: bigint) => {
    let lane = freshLane();
    while (lanes.has(lane)) lane = freshLane();
    return remember(lane, 1, deadline);
  };

  return {
    settled(nonce) {
      const { lane, seq } = laneOf(nonce);
      const entry = lanes.get(lane);
      if (entry?.seq === seq) entry.settled = true;
    },
    async next(deadline) {
      for (const [lane, last] of lanes) {
        if (last.settled && last.seq + 1 < 0xffffffff) return remember(lane, last.seq + 1, deadline);
      }
      const oldest = lanes.entries().next();
      if (oldest.done) return fresh(deadline);
      const [lane, last] = oldest.value;
      // Out of the pool while it is read, so concurrent bids never get the same candidate.
      lanes.delete(lane);
      let state: LaneReading;
      try {
        state = await laneState(client, lane);
      } catch {
        // Unknown state: the lane stays out of use for now and the bid takes a fresh one.
        lanes.set(lane, last);
        return fresh(deadline);
      }
      const settled = state.status !== matched && state.floor > last.seq;
      const abandoned = state.status !== matched && BigInt(now()) > last.deadline + BigInt(deadlineSlackSeconds);
      if (!settled && !abandoned) {
        lanes.set(lane, last);
        return fresh(deadline);
      }
      const seq = Math.max(state.floor, last.seq + 1);
      // A lane at its last sequence is spent.
      if (seq >= 0xffffffff) return fresh(deadline);
      return remember(lane, seq, deadline);
    },
  };
}
