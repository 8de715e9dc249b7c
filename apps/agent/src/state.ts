// The agent's durable state: one JSON document, kept as a log of whole documents, one per line. An update appends
// the new document and fdatasyncs the file (two system calls on a handle kept open; replacing a file durably takes
// seven, and under load each cost an agent several milliseconds before a commit). The last complete line is the
// state: a `kill -9` at any instant leaves either the state before an update or the state after it (a torn last
// line is ignored). When the log grows past `compactAtBytes` it is replaced by its last document (write a temporary
// file, fsync it, rename it over the log, fsync the directory). Anything the agent must not forget before acting on
// the chain (the salt of a commitment above all) is written here first.
//
// Updates that arrive while a write is under way go out together in the next write (a group commit, as databases
// do): each still resolves only once its change is on disk, and a busy agent pays one write per batch instead of
// one per update. Reads hand out the last written document itself, never a copy: it is never changed in place.
import { type FileHandle, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { AgoraError, errorCodes } from '@agora/errors';
import { createGroupCommit } from '@agora/service';
import { type ZodType } from 'zod';

/** A value that must not be changed: what `read` hands out is the written state itself. */
export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export type DurableState<T> = {
  /** The state as last written (the document itself, not a copy: change it only through `update`). */
  read(): DeepReadonly<T>;
  /**
   * Applies `change` to a copy of the state and resolves once the result is durable. Changes apply in the order they
   * were asked for; a change that throws rejects its own update and leaves the state as the others make it.
   */
  update(change: (draft: T) => void): Promise<void>;
  /** Waits for the updates asked for and closes the file. */
  close(): Promise<void>;
};

export async function writeDurably(file: string, content: string | Uint8Array): Promise<void> {
  const temporary = `${file}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
  const directory = await open(path.dirname(file), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/** The log is cut back to its last document once it holds this many bytes (or eight documents, if more). */
const compactAtBytes = 256 * 1024;

/** The state a log holds: its last complete line, or (a file from before the log) a lone document. */
function lastDocument(text: string, file: string): unknown {
  const lines = text.split('\n');
  const tail = lines.pop() ?? '';
  const complete = lines.filter((line) => line.length > 0);
  const last = complete.at(-1) ?? (tail.length > 0 ? tail : undefined);
  if (last === undefined) throw new AgoraError(errorCodes.STATE_CORRUPT, `The state file ${file} is empty.`);
  try {
    return JSON.parse(last) as unknown;
  } catch (cause) {
    throw new AgoraError(errorCodes.STATE_CORRUPT, `The state file ${file} is not valid JSON.`, { cause });
  }
}

/**
 * Opens the state in `file`, or starts from `initial` if there is none yet.
 * @throws AgoraError STATE_CORRUPT if the file exists but its state does not match `schema`
 */
export async function openDurableState<T>(file: string, schema: ZodType<T>, initial: T): Promise<DurableState<T>> {
  let current: T;
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text === undefined) {
    current = structuredClone(initial);
  } else {
    const parsed = schema.safeParse(lastDocument(text, file));
    if (!parsed.success) {
      throw new AgoraError(errorCodes.STATE_CORRUPT, `The state file ${file} does not have the expected shape.`, {
        details: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
      });
    }
    current = parsed.data;
  }

  // Every open starts a fresh log holding the state alone.
  let handle: FileHandle | undefined;
  let size = 0;
  const compact = async (line: string) => {
    await handle?.close();
    handle = undefined;
    await writeDurably(file, line);
    handle = await open(file, 'a', 0o600);
    size = Buffer.byteLength(line);
  };
  await compact(`${JSON.stringify(current)}\n`);

  // A change that throws fails its own update alone; a failed write fails every update it carried.
  type Pending = { change: (draft: T) => void; error?: { cause: unknown } };
  const writes = createGroupCommit<Pending>(async (batch) => {
    let applied = batch;
    let draft: T;
    for (;;) {
      draft = structuredClone(current);
      const failed = applied.findIndex((entry) => {
        try {
          entry.change(draft);
          return false;
        } catch (cause) {
          entry.error = { cause };
          return true;
        }
      });
      if (failed < 0) break;
      // The draft holds whatever the failed change did before it threw: start again without it.
      applied = applied.filter((_, index) => index !== failed);
    }
    if (applied.length === 0) return;
    const line = `${JSON.stringify(draft)}\n`;
    const bytes = Buffer.byteLength(line);
    try {
      if (!handle || size + bytes > Math.max(compactAtBytes, 8 * bytes)) {
        await compact(line);
      } else {
        await handle.write(line);
        await handle.datasync();
        size += bytes;
      }
    } catch (cause) {
      // A write that failed may have left part of a line: the next one starts a fresh log.
      await handle?.close().catch(() => undefined);
      handle = undefined;
      for (const entry of applied) entry.error = { cause };
      return;
    }
    current = draft;
  });

  return {
    read: () => current as DeepReadonly<T>,
    async update(change) {
      const entry: Pending = { change };
      await writes.add(entry);
      if (entry.error) throw entry.error.cause;
    },
    async close() {
      await writes.settled();
      await handle?.close();
      handle = undefined;
    },
  };
}
