// The agent's durable state: one JSON document, replaced atomically (write a temporary file, fsync it,
// rename it over the old one, fsync the directory). A `kill -9` at any instant leaves either the state
// before an update or the state after it, never a torn file. Anything the agent must not forget before
// acting on the chain (the salt of a commitment above all) is written here first.
//
// Updates that arrive while a write is under way go out together in the next write (a group commit, as databases
// do): each still resolves only once its change is on disk, and a busy agent pays one write per batch instead of
// one per update. Reads hand out the last written document itself, never a copy: it is never changed in place.
import { open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { AgoraError, errorCodes } from '@agora/errors';
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

/**
 * Opens the state in `file`, or starts from `initial` if there is none yet.
 * @throws AgoraError STATE_CORRUPT if the file exists but does not match `schema`
 */
export async function openDurableState<T>(file: string, schema: ZodType<T>, initial: T): Promise<DurableState<T>> {
  let current: T;
  try {
    const parsed = schema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (!parsed.success) {
      throw new AgoraError(errorCodes.STATE_CORRUPT, `The state file ${file} does not have the expected shape.`, {
        details: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
      });
    }
    current = parsed.data;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (error instanceof AgoraError) throw error;
      throw new AgoraError(errorCodes.STATE_CORRUPT, `The state file ${file} is not valid JSON.`, { cause: error });
    }
    current = structuredClone(initial);
    await writeDurably(file, JSON.stringify(current));
  }

  type Pending = { change: (draft: T) => void; resolve: () => void; reject: (error: unknown) => void };
  let waiting: Pending[] = [];
  let writing = false;

  /** A copy of `current` with every change of `batch` applied; a change that throws leaves the batch. */
  const applyAll = (batch: Pending[]): { draft: T; applied: Pending[] } => {
    for (;;) {
      const draft = structuredClone(current);
      const failed = batch.findIndex((entry) => {
        try {
          entry.change(draft);
          return false;
        } catch (error) {
          entry.reject(error);
          return true;
        }
      });
      if (failed < 0) return { draft, applied: batch };
      // The draft holds whatever the failed change did before it threw: start again without it.
      batch = batch.filter((_, index) => index !== failed);
    }
  };

  const flush = async () => {
    writing = true;
    while (waiting.length > 0) {
      const { draft, applied } = applyAll(waiting);
      waiting = [];
      if (applied.length === 0) continue;
      try {
        await writeDurably(file, JSON.stringify(draft));
      } catch (error) {
        for (const entry of applied) entry.reject(error);
        continue;
      }
      current = draft;
      for (const entry of applied) entry.resolve();
    }
    writing = false;
  };

  return {
    read: () => current as DeepReadonly<T>,
    update(change) {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ change, resolve, reject });
        if (!writing) void flush();
      });
    },
  };
}
