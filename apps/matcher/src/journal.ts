// The book on disk: an append-only log of JSON lines, one per change. Appends are group-committed (one write and
// one fdatasync for everything that arrived meanwhile), so an order is acknowledged only once it is durable and the
// disk sees one flush per burst, not per order. On open the log is replayed and rewritten with only what is live.
import { type FileHandle, mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { AgoraError, errorCodes } from '@agora/errors';
import { createGroupCommit } from '@agora/service';

export type Journal<Entry> = {
  /** Resolves once the entry is on disk. */
  append(entry: Entry): Promise<void>;
  close(): Promise<void>;
};

/**
 * Opens the log at `file`: replays it through `replay`, writes `compact()`'s entries as the new log, and returns
 * the appender. A torn last line (a crash mid-write) is dropped; any other unreadable line is corruption.
 */
export async function openJournal<Entry>(
  file: string,
  replay: (entry: unknown) => void,
  compact: () => Entry[],
): Promise<Journal<Entry>> {
  await mkdir(path.dirname(file), { recursive: true });
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // Everything after the last newline is a line a crash cut short (or nothing): it was never acknowledged.
  const complete = text.split('\n').slice(0, -1);
  complete.forEach((line, index) => {
    if (line.length === 0) return;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch (cause) {
      throw new AgoraError(errorCodes.STATE_CORRUPT, `Line ${index + 1} of ${file} is not JSON.`, { cause });
    }
    replay(entry);
  });

  const temporary = `${file}.tmp`;
  const fresh = await open(temporary, 'w');
  await fresh.write(
    compact()
      .map((entry) => `${JSON.stringify(entry)}\n`)
      .join(''),
  );
  await fresh.datasync();
  await fresh.close();
  await rename(temporary, file);

  const handle: FileHandle = await open(file, 'a');
  const writes = createGroupCommit<string>(async (lines) => {
    await handle.write(lines.join(''));
    await handle.datasync();
  });

  return {
    append: (entry) => writes.add(`${JSON.stringify(entry)}\n`),
    async close() {
      await writes.settled();
      await handle.close();
    },
  };
}
