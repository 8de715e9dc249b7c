// Group commit, as databases do it: items asked to be written while a write is under way go out together in the next
// one, so a burst costs one write and one sync instead of one per item. Each item's promise settles with the write
// that carried it.

export type GroupCommit<Item> = {
  /** Resolves once the write that carries `item` has succeeded; rejects with that write's error. */
  add(item: Item): Promise<void>;
  /** Resolves once every item added so far has been written (or failed). */
  settled(): Promise<void>;
};

/** `commit` writes one batch (in the order the items were added) and resolves once it is durable. */
export function createGroupCommit<Item>(commit: (batch: Item[]) => Promise<void>): GroupCommit<Item> {
  let waiting: { item: Item; done: () => void; failed: (error: unknown) => void }[] = [];
  let flushing: Promise<void> | undefined;
  const flush = async () => {
    while (waiting.length > 0) {
      const batch = waiting;
      waiting = [];
      try {
        await commit(batch.map(({ item }) => item));
      } catch (error) {
        for (const entry of batch) entry.failed(error);
        continue;
      }
      for (const entry of batch) entry.done();
    }
    flushing = undefined;
  };
  return {
    add: (item) =>
      new Promise<void>((done, failed) => {
        waiting.push({ item, done, failed });
        flushing ??= flush();
      }),
    settled: () => flushing ?? Promise.resolve(),
  };
}
