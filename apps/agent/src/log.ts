// An append-only durable log of JSON records, one per line, for what only grows (the agent's settled tasks): an
// append writes one line and syncs it, instead of rewriting a whole document that gets longer with every task.
// Appends that arrive during a write go out together in the next one (one write, one fdatasync). The newest `limit`
// records are kept in memory, by key; the file is cut back to them when it holds twice as many.
import { type FileHandle, open, readFile } from 'node:fs/promises';
import { AgoraError, errorCodes } from '@agora/errors';
import { createGroupCommit } from '@agora/service';
import { type ZodType } from 'zod';
import { writeDurably } from './state.js';

export type DurableLog<T> = {
  /** The newest records, oldest first, at most `limit` (frozen: they are the log's own). */
  entries(): readonly T[];
  /** Whether a record with this key is among the newest `limit`. */
  has(key: string): boolean;
  /** Appends `record` and resolves once it is on disk. Appends land in the order they were asked for. */
  append(record: T): Promise<void>;
  /** Waits for appends under way and closes the file. */
  close(): Promise<void>;
};

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * Opens the log in `file` (none yet is an empty log). `keyOf` names a record: a record appended again under the same
 * key (a step repeated after a crash) replaces the older one.
 * @throws AgoraError STATE_CORRUPT when a line other than a torn last one is not a record of `schema`
 */
export async function openDurableLog<T>(
  file: string,
  schema: ZodType<T>,
  { limit, keyOf }: { limit: number; keyOf: (record: T) => string },
): Promise<DurableLog<T>> {
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // Created durably (its directory entry synced), so appends need only sync the file's own data.
    await writeDurably(file, '');
  }
  const lines = text.split('\n');
  // A crash in the middle of an append leaves a last line without its newline: that record was never confirmed.
  const torn = lines.pop() !== '';
  const loaded: T[] = [];
  for (const [index, line] of lines.entries()) {
    let parsed: ReturnType<ZodType<T>['safeParse']> | undefined;
    try {
      parsed = schema.safeParse(JSON.parse(line));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) {
      throw new AgoraError(errorCodes.STATE_CORRUPT, `Line ${index + 1} of ${file} is not a record the agent wrote.`);
    }
    loaded.push(parsed.data);
  }

  // By key, oldest first: a record appended again moves to the end.
  const records = new Map<string, T>();
  let lineCount = loaded.length;
  const keep = (record: T) => {
    const key = keyOf(record);
    records.delete(key);
    records.set(key, deepFreeze(record));
    if (records.size > limit) records.delete(records.keys().next().value as string);
  };
  for (const record of loaded) keep(record);

  const compact = async () => {
    await writeDurably(file, [...records.values()].map((record) => `${JSON.stringify(record)}\n`).join(''));
    lineCount = records.size;
  };
  if (torn) await compact();

  let handle: FileHandle | undefined;
  const writes = createGroupCommit<T>(async (batch) => {
    handle ??= await open(file, 'a', 0o600);
    await handle.write(batch.map((record) => `${JSON.stringify(record)}\n`).join(''));
    await handle.datasync();
    for (const record of batch) keep(record);
    lineCount += batch.length;
    if (lineCount > 2 * limit) {
      // The compacted file replaces the open one: the next batch opens it anew.
      await handle.close();
      handle = undefined;
      // The long file is still whole if this fails; compaction is tried again after the next append.
      await compact().catch(() => undefined);
    }
  });

  return {
    entries: () => [...records.values()],
    has: (key) => records.has(key),
    append: (record) => writes.add(record),
    async close() {
      await writes.settled();
      await handle?.close();
      handle = undefined;
    },
  };
}
