import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorCodes } from '@agora/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openDurableState } from '../src/index.js';

const schema = z.object({ counter: z.number(), history: z.array(z.number()) });

describe('durable state', () => {
  // Every state a test opens keeps its file open: closed at the end.
  const opened: { close(): Promise<void> }[] = [];
  const openState: typeof openDurableState = async (...args) => {
    const state = await openDurableState(...args);
    opened.push(state);
    return state;
  };

  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'agora-state-'));
  });
  afterAll(async () => {
    for (const state of opened) await state.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('keeps every update it confirmed across a reopen, applied in order', async () => {
    const file = path.join(directory, 'ordered.json');
    const state = await openState(file, schema, { counter: 0, history: [] });
    await Promise.all([1, 2, 3].map((step) => state.update((draft) => void draft.history.push(step))));
    const reopened = await openState(file, schema, { counter: 0, history: [] });
    expect(reopened.read().history).toEqual([1, 2, 3]);
  });

  it('fails only the update whose change throws; the others asked for at the same time land', async () => {
    const file = path.join(directory, 'batch.json');
    const state = await openState(file, schema, { counter: 0, history: [] });
    const outcomes = await Promise.allSettled([
      state.update((draft) => void draft.history.push(1)),
      state.update((draft) => {
        draft.history.push(666);
        throw new Error('refused');
      }),
      state.update((draft) => void draft.history.push(2)),
      state.update((draft) => void (draft.counter = draft.history.length)),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(state.read()).toEqual({ counter: 2, history: [1, 2] });
    expect((await openState(file, schema, { counter: 0, history: [] })).read()).toEqual(state.read());
  });

  it('survives kill -9 in the middle of writing: the file holds a whole state, never a torn one', async () => {
    const file = path.join(directory, 'killed.json');
    const writer = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./state-writer.ts', import.meta.url)), file],
      { stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => writer.once('exit', resolve));
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const text = await readFile(file, 'utf8').catch(() => '');
      const complete = text.split('\n').slice(0, -1);
      if (complete.length > 0 && schema.parse(JSON.parse(complete.at(-1))).counter >= 30) break;
    }
    writer.kill('SIGKILL');
    await exited;
    const after = (await openState(file, schema, { counter: 0, history: [] })).read();
    expect(after.counter).toBeGreaterThanOrEqual(30);
    expect(after.history).toEqual(Array.from({ length: after.counter }, (_, i) => i + 1));
  });

  it('appends one line per write, cuts the log back to its last state, and opens a lone document from before the log', async () => {
    const file = path.join(directory, 'log.json');
    const state = await openState(file, schema, { counter: 0, history: [] });
    // Documents of about 600 bytes: 2,000 of them are far past the point where the log is cut back.
    const historyOf = (step: number) => Array.from({ length: 100 }, (_, i) => step + i);
    for (let step = 1; step <= 2_000; step++) {
      await state.update((draft) => {
        draft.counter = step;
        draft.history = historyOf(step);
      });
    }
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.length).toBeLessThan(2_000);
    expect(JSON.parse(lines.at(-1))).toEqual({ counter: 2_000, history: historyOf(2_000) });
    await state.close();
    // A torn last line (a crash mid-append) is not the state; the line before it is.
    await writeFile(file, `${JSON.stringify({ counter: 7, history: [7] })}\n{"counter": 8, "hist`);
    expect((await openState(file, schema, { counter: 0, history: [] })).read()).toEqual({
      counter: 7,
      history: [7],
    });
    await writeFile(file, JSON.stringify({ counter: 9, history: [] }));
    expect((await openState(file, schema, { counter: 0, history: [] })).read().counter).toBe(9);
  });

  it('refuses a state file that is not what the agent wrote', async () => {
    const file = path.join(directory, 'corrupt.json');
    await writeFile(file, '{"counter": "many"');
    await expect(openState(file, schema, { counter: 0, history: [] })).rejects.toMatchObject({
      code: errorCodes.STATE_CORRUPT,
    });
    await writeFile(file, '{"counter": "many", "history": []}');
    await expect(openState(file, schema, { counter: 0, history: [] })).rejects.toMatchObject({
      code: errorCodes.STATE_CORRUPT,
    });
  });
});
