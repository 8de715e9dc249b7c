// The agent's durable state: one JSON document, replaced atomically (write a temporary file, fsync it,
// rename it over the old one, fsync the directory). A `kill -9` at any instant leaves either the state
// before an update or the state after it, never a torn file. Anything the agent must not forget before
// acting on the chain (the salt of a commitment above all) is written here first.
import { open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { AgoraError, errorCodes } from '@agora/errors';
import { type ZodType } from 'zod';

export type DurableState<T> = {
  /** The current state (a deep copy: change it only through `update`). */
  read(): T;
  /** Applies `change` to a copy of the state and makes the result durable before resolving. Updates run one at a time. */
  update(change: (draft: T) => void): Promise<T>;
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

  let queue: Promise<unknown> = Promise.resolve();
  return {
    read: () => structuredClone(current),
    update(change) {
      const next = queue.then(async () => {
        const draft = structuredClone(current);
        change(draft);
        await writeDurably(file, JSON.stringify(draft));
        current = draft;
        return structuredClone(draft);
      });
      queue = next.catch(() => undefined);
      return next;
    },
  };
}
