// What the services answer to careless and hostile requests: bodies that are not JSON, empty, or endless (chunked,
// with no Content-Length for a cap to read), declared too large, and parameters in the wrong form. Each gets its
// stable code and a sentence that says what is accepted; an endless body is refused while it is still arriving.
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DevNetwork, startDevNetwork } from '@agora/cli';
import { type RunningGateway, openContentStore, startGateway } from '@agora/content';
import { createLogger } from '@agora/service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Answer = { status: number; code: string | undefined; message: string };

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: { error?: { code?: string; message?: string } } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // the assertion below shows the text
  }
  return { status: response.status, code: body.error?.code, message: body.error?.message ?? text };
}

/** A body that never ends: 64 KiB chunks for as long as the server reads them. */
function endlessBody(): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      sent += chunk.length;
      // A server that buffered the whole body would never answer; 2 GiB is the test's own backstop.
      if (sent > 2 * 1024 ** 3) controller.close();
      else controller.enqueue(chunk);
    },
  });
}

async function send(url: string, init: { method?: string; body?: BodyInit | ReadableStream<Uint8Array> } = {}) {
  const streaming = init.body instanceof ReadableStream;
  const response = await fetch(url, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: init.body as BodyInit }),
    ...(streaming ? { duplex: 'half' } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  return answerOf(response);
}

/** A request that declares a body of `bytes` and sends none: a cap that reads Content-Length refuses it at once. */
function declared(url: string, bytes: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const outgoing = request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST' },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => {
          outgoing.destroy();
          const body = JSON.parse(text || '{}') as { error?: { code?: string; message?: string } };
          resolve({ status: response.statusCode ?? 0, code: body.error?.code, message: body.error?.message ?? text });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.setHeader('content-length', String(bytes));
    outgoing.setHeader('content-type', 'application/json');
    outgoing.flushHeaders();
  });
}

describe('the services under careless and hostile requests', () => {
  let dev: DevNetwork;
  let dir: string;
  let smallGateway: RunningGateway;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'agora-hostile-'));
    dev = await startDevNetwork({
      dir: path.join(dir, 'net'),
      providers: 1,
      blockTime: 0,
      indexer: true,
      web: true,
      logger: createLogger({ level: process.env.AGORA_TEST_LOG ?? 'silent' }),
    });
    // A gateway of its own with a 1 MiB upload cap, so going past it is cheap.
    smallGateway = await startGateway({
      store: await openContentStore(path.join(dir, 'small-gateway')),
      maxUploadBytes: 1024 * 1024,
    });
  }, 180_000);

  afterAll(async () => {
    await smallGateway?.close();
    await dev?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const notJson = /not JSON .*send a JSON document/;
  const jsonCap = /may be at most 262144 bytes \(256 KiB\)/;

  it('refuses bodies that are not JSON, saying so, at the matcher and the agent', async () => {
    const { matcherUrl } = dev.network;
    const agentUrl = dev.network.agents[0]!.url;
    const cases: [string, BodyInit | undefined, RegExp][] = [
      [`${matcherUrl}/bids`, 'bid please', notJson],
      [`${matcherUrl}/bids`, '{"bid": ', notJson],
      [`${matcherUrl}/bids`, '', /has no body/],
      [`${matcherUrl}/asks`, '<xml/>', notJson],
      [`${matcherUrl}/storage/asks`, 'ask', notJson],
      [`${matcherUrl}/storage/deals`, undefined, /has no body/],
      [`${agentUrl}/storage/acceptances`, 'accept', notJson],
      [`${agentUrl}/storage/renewals`, '{', notJson],
    ];
    for (const [url, body, message] of cases) {
      const answer = await send(url, body === undefined ? {} : { body });
      expect({ url, status: answer.status, code: answer.code }).toEqual({
        url,
        status: 400,
        code: 'AGORA_INVALID_ARGUMENT',
      });
      expect(answer.message).toMatch(message);
    }
  });

  it('refuses a JSON document of the wrong shape with what it lacks', async () => {
    const answer = await send(`${dev.network.matcherUrl}/bids`, { body: '{"bid": {}}' });
    expect(answer.status).toBe(400);
    expect(answer.code).toBe('AGORA_ORDER_INVALID');
    // Every missing field by its path.
    expect(answer.message).toMatch(/^The bid is malformed: /);
    for (const field of ['signature', 'bid.client', 'bid.token', 'bid.appCid'])
      expect(answer.message).toContain(`at ${field}`);
  });

  it('answers an endless body with 413 and the limit while it is still arriving', async () => {
    const cases: [string, RegExp][] = [
      [`${dev.network.matcherUrl}/bids`, jsonCap],
      [`${dev.network.matcherUrl}/storage/deals`, jsonCap],
      [`${dev.network.agents[0]!.url}/storage/acceptances`, jsonCap],
      [`${smallGateway.url}/ipfs`, /An upload may be at most 1048576 bytes \(1 MiB\)/],
      [`${dev.network.webUrl!}/rpc`, /A JSON-RPC request may be at most 1048576 bytes \(1 MiB\)/],
    ];
    for (const [url, message] of cases) {
      const answer = await send(url, { body: endlessBody() });
      expect({ url, status: answer.status, code: answer.code }).toEqual({
        url,
        status: 413,
        code: 'AGORA_CONTENT_TOO_LARGE',
      });
      expect(answer.message).toMatch(message);
    }
  });

  it('refuses a body declared too large before any of it arrives', async () => {
    for (const url of [`${dev.network.matcherUrl}/bids`, `${dev.network.agents[0]!.url}/storage/renewals`]) {
      const answer = await declared(url, 50 * 1024 * 1024);
      expect({ url, status: answer.status, code: answer.code }).toEqual({
        url,
        status: 413,
        code: 'AGORA_CONTENT_TOO_LARGE',
      });
    }
    const upload = await declared(`${smallGateway.url}/ipfs`, 2 * 1024 * 1024);
    expect(upload.status).toBe(413);
  });

  it('answers unknown routes and malformed parameters of the indexer API in JSON, naming the form', async () => {
    const api = dev.network.indexerUrl!;
    const cases: [string, number, string, RegExp][] = [
      ['/nope', 404, 'AGORA_NOT_FOUND', /No route GET \/nope; the API is described at \/openapi\.json/],
      ['/stats?from=tomorrow', 400, 'AGORA_INVALID_ARGUMENT', /from is a time in Unix seconds \(a whole number/],
      ['/stats?to=-5', 400, 'AGORA_INVALID_ARGUMENT', /to is a time in Unix seconds/],
      ['/providers?limit=abc', 400, 'AGORA_INVALID_ARGUMENT', /limit/],
      ['/providers?limit=100000', 400, 'AGORA_INVALID_ARGUMENT', /limit is at most 500/],
      ['/providers/0x1234', 400, 'AGORA_INVALID_ARGUMENT', /an address is 0x followed by 40 hex digits/],
    ];
    for (const [route, status, code, message] of cases) {
      const answer = await answerOf(await fetch(`${api}${route}`));
      expect({ route, status: answer.status, code: answer.code }).toEqual({ route, status, code });
      expect(answer.message).toMatch(message);
    }
  });

  it('answers malformed ids at the agent and the matcher with the form they take', async () => {
    const agentUrl = dev.network.agents[0]!.url;
    const cases: [string, number, string, RegExp][] = [
      [`${agentUrl}/tasks/0x12`, 400, 'AGORA_INVALID_ARGUMENT', /A task id is 0x and 64 hex digits/],
      [`${agentUrl}/storage/data/nothex`, 400, 'AGORA_INVALID_ARGUMENT', /is not a Merkle root: 0x and 64 hex digits/],
      [`${dev.network.matcherUrl}/bids/0x${'0'.repeat(64)}`, 404, 'AGORA_NOT_FOUND', /has no bid/],
    ];
    for (const [url, status, code, message] of cases) {
      const answer = await answerOf(await fetch(url));
      expect({ url, status: answer.status, code: answer.code }).toEqual({ url, status, code });
      expect(answer.message).toMatch(message);
    }
  });
});
