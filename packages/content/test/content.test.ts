import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { errorCodes } from '@agora/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cidOf,
  fetchContent,
  openContentStore,
  parseCid,
  startGateway,
  type ContentStore,
  type RunningGateway,
} from '../src/index.js';

const bytesOf = (value: string): Uint8Array => new TextEncoder().encode(value);
const pseudoRandom = (length: number, seed: number): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
};

describe('CIDs', () => {
  it('match what `ipfs add --cid-version=1` gives for single-chunk content', async () => {
    expect((await cidOf(new Uint8Array())).toString()).toBe(
      'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku',
    );
    expect((await cidOf(bytesOf('hello world'))).toString()).toBe(
      'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e',
    );
  });

  it('make content over one 256 KiB chunk a dag-pb file that depends on every byte', async () => {
    const content = pseudoRandom(600_000, 1);
    const cid = await cidOf(content);
    expect(cid.toString()).toMatch(/^bafybei/);
    content[599_999] = content[599_999]! ^ 1;
    expect((await cidOf(content)).equals(cid)).toBe(false);
  });

  it('refuse text that is not a CID, or a hash the content layer cannot check', () => {
    expect(thrownBy(() => parseCid('not-a-cid'))).toMatchObject({ code: errorCodes.CONTENT_INVALID_CID });
    // an identity "hash" (the bytes themselves) instead of sha2-256
    expect(thrownBy(() => parseCid('bafkqaaa'))).toMatchObject({
      code: errorCodes.CONTENT_INVALID_CID,
      message: /sha2-256/,
    });
  });
});

describe('content store, gateway and fetch', () => {
  let directory: string;
  let store: ContentStore;
  let gateway: RunningGateway;
  let liar: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'agora-content-'));
    store = await openContentStore(path.join(directory, 'blocks'), { maxBytes: 4 * 1024 * 1024 });
    gateway = await startGateway({ store, maxUploadBytes: 2 * 1024 * 1024 });
    // A source outside our system that answers every request with the wrong bytes.
    liar = await new Promise((resolve) => {
      const server = serve(
        { fetch: () => new Response('not what you asked for'), hostname: '127.0.0.1', port: 0 },
        (info) =>
          resolve({
            url: `http://127.0.0.1:${info.port}`,
            close: () => new Promise<void>((done) => server.close(() => done())),
          }),
      );
    });
  });

  afterAll(async () => {
    await gateway.close();
    await liar.close();
    await store.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('stores a multi-chunk file on disk and reads back the same bytes under the same CID', async () => {
    const content = pseudoRandom(1_000_000, 2);
    const cid = await store.put(content);
    expect(cid.equals(await cidOf(content))).toBe(true);
    expect(await store.get(cid)).toEqual(content);
  });

  it('detects a block changed on disk instead of serving it', async () => {
    const cid = await store.put(bytesOf('precious data'));
    const target = await findBlockFile(path.join(directory, 'blocks'), bytesOf('precious data'));
    await writeFile(target, bytesOf('precious dat4'));
    await expect(store.get(cid)).rejects.toMatchObject({ code: errorCodes.CONTENT_HASH_MISMATCH });
  });

  it('takes the same content from many uploaders at once, and an upload after damage repairs the copy', async () => {
    const content = pseudoRandom(300_000, 7);
    const cids = await Promise.all(Array.from({ length: 20 }, () => store.put(content)));
    expect(new Set(cids.map(String)).size).toBe(1);
    expect(Buffer.from(await store.get(cids[0]!)).equals(content)).toBe(true);
    const first = await findBlockFile(path.join(directory, 'blocks'), content.subarray(0, 262_144));
    await writeFile(first, new Uint8Array(262_144));
    await expect(store.get(cids[0]!)).rejects.toMatchObject({ code: errorCodes.CONTENT_HASH_MISMATCH });
    await store.put(content);
    expect(Buffer.from(await store.get(cids[0]!)).equals(content)).toBe(true);
  });

  it('accepts uploads over HTTP and serves them at /ipfs/<cid>', async () => {
    const content = pseudoRandom(300_000, 3);
    const upload = await fetch(`${gateway.url}/ipfs`, { method: 'POST', body: content });
    expect(upload.status).toBe(201);
    const { cid, size } = (await upload.json()) as { cid: string; size: number };
    expect(cid).toBe((await cidOf(content)).toString());
    expect(size).toBe(content.length);
    const download = await fetch(`${gateway.url}/ipfs/${cid}`);
    expect(download.headers.get('etag')).toBe(`"${cid}"`);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(content);
  });

  it('answers clear errors: unknown content 404, a bad CID 400, an upload over the limit 413', async () => {
    const missing = await fetch(`${gateway.url}/ipfs/${(await cidOf(bytesOf('never stored'))).toString()}`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: errorCodes.CONTENT_NOT_FOUND } });
    const invalid = await fetch(`${gateway.url}/ipfs/hello`);
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: { code: errorCodes.CONTENT_INVALID_CID } });
    const tooLarge = await fetch(`${gateway.url}/ipfs`, { method: 'POST', body: new Uint8Array(3 * 1024 * 1024) });
    expect(tooLarge.status).toBe(413);
  });

  it('fetches from the first source whose bytes hash to the CID, skipping a lying one', async () => {
    const content = pseudoRandom(400_000, 4);
    const cid = await store.put(content);
    const fetched = await fetchContent(cid.toString(), { sources: [liar.url, gateway.url] });
    expect(fetched).toEqual(content);
  });

  it('fails with the reason per source when no source has matching bytes', async () => {
    const cid = (await cidOf(bytesOf('only the liar claims this'))).toString();
    await expect(fetchContent(cid, { sources: [liar.url] })).rejects.toMatchObject({
      code: errorCodes.CONTENT_HASH_MISMATCH,
    });
    const notFound = fetchContent(cid, { sources: [gateway.url] });
    await expect(notFound).rejects.toMatchObject({ code: errorCodes.CONTENT_NOT_FOUND });
    await expect(notFound).rejects.toThrow(`No source had ${cid}`);
    await expect(fetchContent(cid, { sources: [gateway.url], maxBytes: 4 })).rejects.toMatchObject({
      code: errorCodes.CONTENT_NOT_FOUND,
    });
  });

  it('refuses content larger than the caller allows', async () => {
    const cid = await store.put(pseudoRandom(10_000, 5));
    await expect(fetchContent(cid, { sources: [gateway.url], maxBytes: 1000 })).rejects.toMatchObject({
      code: errorCodes.CONTENT_TOO_LARGE,
    });
  });
});

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

async function findBlockFile(directory: string, content: Uint8Array): Promise<string> {
  for (const file of await readdir(directory, { recursive: true })) {
    const full = path.join(directory, file);
    if (!file.endsWith('.data')) continue;
    const bytes = new Uint8Array(await readFile(full));
    if (Buffer.from(bytes).equals(content)) return full;
  }
  throw new Error('block file not found');
}
