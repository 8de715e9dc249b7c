import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { errorCodes } from '@agora/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openDurableLog } from '../src/index.js';

const schema = z.object({ id: z.string(), value: z.number() });
type Entry = z.infer<typeof schema>;
const options = { limit: 10, keyOf: (entry: Entry) => entry.id };

describe('durable log', () => {
  // Every log a test opens keeps its file open once written: closed at the end.
  const opened: { close(): Promise<void> }[] = [];
  const openLog: typeof openDurableLog = async (...args) => {
    const log = await openDurableLog(...args);
    opened.push(log);
    return log;
  };

  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'agora-log-'));
  });
  afterAll(async () => {
    for (const log of opened) await log.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('keeps every confirmed append across a reopen, in order, one record per key', async () => {
    const file = path.join(directory, 'ordered.jsonl');
    const log = await openLog(file, schema, options);
    await Promise.all([1, 2, 3].map((value) => log.append({ id: `t${value}`, value })));
    await log.append({ id: 't2', value: 20 });
    const reopened = await openLog(file, schema, options);
    expect(reopened.entries()).toEqual([
      { id: 't1', value: 1 },
      { id: 't3', value: 3 },
      { id: 't2', value: 20 },
    ]);
    expect(() => (reopened.entries()[0] as Entry).value++).toThrow(TypeError);
  });

  it('lands appends made while a write is under way together, in the order asked, each known by key once written', async () => {
    const file = path.join(directory, 'burst.jsonl');
    const log = await openLog(file, schema, options);
    const burst = Array.from({ length: 8 }, (_, i) => log.append({ id: `b${i}`, value: i }));
    expect(log.has('b7')).toBe(false);
    await Promise.all(burst);
    expect(log.has('b0') && log.has('b7')).toBe(true);
    await log.close();
    const reopened = await openLog(file, schema, options);
    expect(reopened.entries().map((entry) => entry.value)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('keeps the newest `limit` records and cuts the file back when it holds twice as many', async () => {
    const file = path.join(directory, 'bounded.jsonl');
    const log = await openLog(file, schema, options);
    for (let value = 1; value <= 25; value++) await log.append({ id: `t${value}`, value });
    expect(log.entries().map((entry) => entry.value)).toEqual(Array.from({ length: 10 }, (_, i) => 16 + i));
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    expect(lines.length).toBeLessThanOrEqual(20);
    const reopened = await openLog(file, schema, options);
    expect(reopened.entries()).toEqual(log.entries());
  });

  it('drops a last line torn by a crash, and appends after it cleanly', async () => {
    const file = path.join(directory, 'torn.jsonl');
    const log = await openLog(file, schema, options);
    await log.append({ id: 'kept', value: 1 });
    await appendFile(file, '{"id":"half","va');
    const reopened = await openLog(file, schema, options);
    expect(reopened.entries()).toEqual([{ id: 'kept', value: 1 }]);
    await reopened.append({ id: 'next', value: 2 });
    expect((await openLog(file, schema, options)).entries()).toEqual([
      { id: 'kept', value: 1 },
      { id: 'next', value: 2 },
    ]);
  });

  it('refuses a log whose lines are not what the agent wrote', async () => {
    const file = path.join(directory, 'corrupt.jsonl');
    await writeFile(file, '{"id":"a","value":1}\nnot json\n{"id":"b","value":2}\n');
    const failure = openLog(file, schema, options);
    await expect(failure).rejects.toMatchObject({ code: errorCodes.STATE_CORRUPT });
    await expect(failure).rejects.toThrow(/Line 2 of .*corrupt\.jsonl/);
  });
});
