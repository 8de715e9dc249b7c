// Serves the dashboard (the Vite build in apps/web/dist) and, on the same origin, what the browser talks to: the
// indexer's API (/api), the content gateway (/gateway), the matcher (/matcher), the chain (/rpc), the example
// apps (/examples) and the network's settings (/config.json). One origin: no CORS, one URL to open.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningGateway, listen } from '@agora/content';
import { AgoraError, errorCodes } from '@agora/errors';
import { bodyCap } from '@agora/service';
import { type ExampleName, readExample, usefulApps } from '@agora/examples';
import { type SettledOutput, fetchSettledOutput, providerEndpoints } from '@agora/runtime';
import type { Deployment } from '@agora/sdk/deployment';
import { Hono } from 'hono';
import { proxy } from 'hono/proxy';
import type { Address, Hex } from 'viem';

export type WebOptions = {
  rpcUrl: string;
  indexerUrl: string;
  gatewayUrl: string;
  matcherUrl: string;
  deployment: Deployment;
  /** The payment token the dashboard bids in. */
  token: Address;
  /** Agents known without asking the matcher (a dev network's), for fetching results. */
  agents?: readonly { address: string; url: string }[];
  /** A dev network's keys: the dashboard offers them as accounts. Never set on a real network. */
  devKeys?: { client: Hex; providers: readonly Hex[] };
  port?: number;
};

export type RunningWeb = RunningGateway;

export const webDist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

/** The dashboard's HTTP app (exported for in-process tests). */
export function createWebApp(options: WebOptions): Hono {
  const app = new Hono();
  const forward = (target: string, prefix: string) => (c: { req: { url: string; raw: Request } }) => {
    const url = new URL(c.req.url);
    return proxy(`${target}${url.pathname.slice(prefix.length)}${url.search}`, { raw: c.req.raw });
  };
  app.all('/api/*', forward(options.indexerUrl, '/api'));
  app.all('/gateway/*', forward(options.gatewayUrl, '/gateway'));
  app.all('/matcher/*', forward(options.matcherUrl, '/matcher'));
  app.post('/rpc', bodyCap(1024 * 1024, 'A JSON-RPC request'), forward(options.rpcUrl, '/rpc'));
  // A settled task's output, fetched from its providers and checked against the settlement here, so the page can
  // show the output CID and the bytes without trusting (or reaching) any single agent.
  const results = new Map<string, Promise<SettledOutput>>();
  const settledOutput = async (taskId: string): Promise<SettledOutput> => {
    const cached = results.get(taskId);
    if (cached) return cached;
    const task = (await (await fetch(`${options.indexerUrl}/tasks/${taskId}`)).json()) as {
      status?: string;
      providers?: Hex[];
      resultHash?: Hex | null;
    };
    if (task.status !== 'finalized' || !task.providers || !task.resultHash) {
      throw new AgoraError(errorCodes.TASK_STATE_INVALID, `Task ${taskId} has no settled result.`);
    }
    const endpoints = await providerEndpoints(options.matcherUrl, options.agents);
    const fetched = fetchSettledOutput({
      taskId: taskId as Hex,
      providers: task.providers,
      resultHash: task.resultHash,
      endpoints,
    });
    results.set(taskId, fetched);
    fetched.catch(() => results.delete(taskId));
    return fetched;
  };
  app.get('/results/:taskId', async (c) => {
    try {
      const { output, ...result } = await settledOutput(c.req.param('taskId'));
      const text = new TextDecoder('utf-8', { fatal: true });
      let preview: string | null;
      try {
        preview = text.decode(output.subarray(0, 4096));
      } catch {
        preview = null;
      }
      return c.json({ ...result, size: output.length, preview });
    } catch (error) {
      const code = error instanceof AgoraError ? error.code : errorCodes.SERVICE_UNAVAILABLE;
      return c.json({ error: { code, message: (error as Error).message } }, 404);
    }
  });
  app.get('/results/:taskId/output', async (c) => {
    try {
      const { output } = await settledOutput(c.req.param('taskId'));
      return c.body(output as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'application/octet-stream' });
    } catch (error) {
      return c.text((error as Error).message, 404);
    }
  });
  app.get('/config.json', (c) =>
    c.json({
      chainId: options.deployment.chainId,
      contracts: options.deployment.contracts,
      startBlock: options.deployment.startBlock,
      token: options.token,
      devKeys: options.devKeys ?? null,
      examples: usefulApps,
    }),
  );
  app.get('/examples/:file', async (c) => {
    const name = c.req.param('file').replace(/\.wasm$/, '');
    if (!(usefulApps as readonly string[]).includes(name)) {
      return c.json({ error: { code: errorCodes.INVALID_ARGUMENT, message: `No example app "${name}".` } }, 404);
    }
    return c.body(await readExample(name as ExampleName), 200, { 'content-type': 'application/wasm' });
  });
  app.get('*', async (c) => {
    const wanted = path.normalize(new URL(c.req.url).pathname).replace(/^(\.\.[/\\])+/, '');
    const file = path.join(webDist, wanted === '/' ? 'index.html' : wanted);
    if (!file.startsWith(webDist)) return c.text('not found', 404);
    const bytes = await readFile(file).catch(() => undefined);
    if (!bytes) return c.text('not found', 404);
    return c.body(bytes, 200, { 'content-type': contentTypes[path.extname(file)] ?? 'application/octet-stream' });
  });
  return app;
}

/**
 * Serves the dashboard on 127.0.0.1 (a free port unless `port` is given). Needs the Vite build
 * (`npm run build -w @agora/web`).
 */
export async function startWeb(options: WebOptions): Promise<RunningWeb> {
  const built = await readFile(path.join(webDist, 'index.html')).catch(() => undefined);
  if (!built) {
    throw new AgoraError(
      errorCodes.CONFIG_INVALID,
      'The dashboard is not built: run `npm run build -w @agora/web` (npm start does).',
    );
  }
  return listen(createWebApp(options), { port: options.port ?? 0 });
}
