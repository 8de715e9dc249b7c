// An HTTP gateway over a content store: GET /ipfs/<cid> serves verified bytes, POST /ipfs stores a body.
import { type AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { AgoraError, errorCodes } from '@agora/errors';
import { bodyCap } from '@agora/service';
import { Hono } from 'hono';
import { parseCid } from './cid.js';
import type { ContentStore } from './store.js';

export type GatewayOptions = {
  store: ContentStore;
  /** Largest upload accepted, in bytes. */
  maxUploadBytes?: number;
  /** Serve only: no `POST /ipfs` (a provider serves what it holds but does not store strangers' uploads). */
  readOnly?: boolean;
};

const statusOf: Partial<Record<string, 400 | 404 | 413 | 502>> = {
  [errorCodes.CONTENT_INVALID_CID]: 400,
  [errorCodes.CONTENT_NOT_FOUND]: 404,
  [errorCodes.CONTENT_TOO_LARGE]: 413,
  [errorCodes.CONTENT_HASH_MISMATCH]: 502,
};

/** The gateway's routes, for mounting in another Hono app or serving with `startGateway`. */
export function createGatewayApp({ store, maxUploadBytes = 64 * 1024 * 1024, readOnly = false }: GatewayOptions): Hono {
  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof AgoraError) {
      return c.json({ error: { code: error.code, message: error.message } }, statusOf[error.code] ?? 500);
    }
    return c.json({ error: { code: 'AGORA_INTERNAL', message: 'The gateway failed to answer.' } }, 500);
  });

  app.get('/ipfs/:cid', async (c) => {
    const cid = parseCid(c.req.param('cid'));
    const bytes = await store.get(cid);
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      'content-type': 'application/octet-stream',
      'content-length': String(bytes.length),
      etag: `"${cid.toString()}"`,
      'cache-control': 'public, max-age=29030400, immutable',
      'x-ipfs-path': `/ipfs/${cid.toString()}`,
    });
  });

  if (readOnly) return app;

  app.post('/ipfs', bodyCap(maxUploadBytes, 'An upload'), async (c) => {
    const declared = Number(c.req.header('content-length') ?? 'NaN');
    if (declared > maxUploadBytes) {
      throw new AgoraError(
        errorCodes.CONTENT_TOO_LARGE,
        `The upload is ${declared} bytes; the limit is ${maxUploadBytes} bytes.`,
      );
    }
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (body.length > maxUploadBytes) {
      throw new AgoraError(
        errorCodes.CONTENT_TOO_LARGE,
        `The upload is ${body.length} bytes; the limit is ${maxUploadBytes} bytes.`,
      );
    }
    const cid = await store.put(body);
    return c.json({ cid: cid.toString(), size: body.length }, 201);
  });

  return app;
}

export type RunningGateway = { url: string; close(): Promise<void> };

/** Serves any Hono app on `host:port` (port 0 lets the system choose a free one); resolves once it listens. */
export async function listen(app: Hono, { host = '127.0.0.1', port = 0 } = {}): Promise<RunningGateway> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info: AddressInfo) => {
      resolve({
        url: `http://${host.includes(':') ? `[${host}]` : host}:${info.port}`,
        close: () => new Promise<void>((done, fail) => server.close((error) => (error ? fail(error) : done()))),
      });
    });
    server.once('error', reject);
  });
}

/**
 * Serves the gateway on `host:port` (port 0 lets the system choose a free one).
 * @example
 * const gateway = await startGateway({ store, port: 0 }); console.log(gateway.url)
 */
export async function startGateway(
  options: GatewayOptions & { host?: string; port?: number },
): Promise<RunningGateway> {
  return listen(createGatewayApp(options), options);
}
