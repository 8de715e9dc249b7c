// An append-only durable log of JSON records, one per line, for what only grows (the agent's settled tasks): an
// append writes one line and syncs it, instead of rewriting a whole document that gets longer with every task. The
// newest `limit` records are kept in memory; the file is cut back to them when it holds twice as many.
import { open, readFile } from 'node:fs/promises';
import { AgoraError, errorCodes } from '@agora/errors';
import { type ZodType } from 'zod';
import { writeDurably } from './state.js';

export type DurableLog<T> = {
  /** The newest records, oldest first, at most `limit` (frozen: they are the log's own). */
  entries(): readonly T[];
  /** Appends `record` and resolves once it is on disk. Appends run one at a time. */
  append(record: T): Promise<void>;
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

  let records: T[] = [];
  let lineCount = loaded.length;
  const keep = (record: T) => {
    const key = keyOf(record);
    records = records.filter((old) => keyOf(old) !== key);
    records.push(deepFreeze(record));
    if (records.length > limit) records = records.slice(records.length - limit);
  };
  for (const record of loaded) keep(record);

  const compact = async () => {
    await writeDurably(file, records.map((record) => `${JSON.stringify(record)}\n`).join(''));
    lineCount = records.length;
  };
  if (torn) await compact();

  let queue: Promise<unknown> = Promise.resolve();
  return {
    entries: () => records,
    append(record) {
      const next = queue.then(async () => {
        const handle = await open(file, 'a', 0o600);
        try {
          await handle.write(`${JSON.stringify(record)}\n`);
          await handle.datasync();
        } finally {
          await handle.close();
        }
        keep(record);
        lineCount += 1;
        if (lineCount > 2 * limit) await compact();
      });
      queue = next.catch(() => undefined);
      return next;
    },
  };
}
