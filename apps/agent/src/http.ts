// The agent's HTTP face: health, Prometheus metrics, its signed ask, the provenance of its tasks, and the bytes it
// holds (apps, inputs, outputs) through a read-only content gateway.
import { CID, type ContentStore, createGatewayApp } from '@agora/content';
import { runtimeVersion } from '@agora/runtime';
import { decodeTaskRecord, signedStorageBidJsonSchema } from '@agora/sdk';
import { Hono } from 'hono';
import { type Hex, hexToBytes, isHex } from 'viem';
import { AgoraError, errorCodes } from '@agora/errors';
import { bodyCap, bodyLimits, readJsonBody } from '@agora/service';
import { z } from 'zod';
import type { AgentState, TrackedTask } from './agent-state.js';
import type { DurableLog } from './log.js';
import type { AgentMetrics } from './metrics.js';
import type { DurableState } from './state.js';
import type { StorageRole } from './storage.js';

class HTTPError extends Error {
  constructor(
    readonly status: 400 | 404 | 413 | 422,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const renewalRequestSchema = z.object({
  dealId: z.string().regex(/^\d+$/),
  extraPeriods: z
    .number()
    .int()
    .min(1)
    .max(2 ** 32 - 1),
  deadline: z.string().regex(/^\d+$/),
});

/** The largest upload the agent takes in one request. */
const MAX_UPLOAD_BYTES = 1 << 30;

function cidText(hex: `0x${string}`): string {
  try {
    return CID.decode(hexToBytes(hex)).toString();
  } catch {
    return hex;
  }
}

/** What the agent can say about a task it ran: enough to check its claim against the chain and the content. */
export function provenanceOf(task: TrackedTask, provider: string) {
  const terms = decodeTaskRecord(task.record);
  return {
    taskId: task.taskId,
    provider,
    index: task.index,
    client: terms.client,
    nonce: terms.nonce.toString(),
    appCid: cidText(task.appCid),
    inputCid: cidText(task.inputCid),
    providers: terms.providers,
    maxFuel: terms.maxFuel.toString(),
    pricePerFuel: terms.pricePerFuel.toString(),
    commitDeadline: Number(terms.commitDeadline),
    revealDeadline: Number(terms.revealDeadline),
    runtimeVersion,
    phase: task.phase,
    result: task.result ?? null,
    transactions: task.transactions,
    settlement: task.settlement ?? null,
    note: task.note ?? null,
  };
}

export function createAgentHttpApp(options: {
  provider: string;
  state: DurableState<AgentState>;
  history: DurableLog<TrackedTask>;
  metrics: AgentMetrics;
  store: ContentStore;
  /** Reads the chain now instead of at the next poll. */
  wake: () => void;
  /** The storage role, once it runs (absent when the agent only computes). */
  storage?: () => StorageRole | undefined;
}): Hono {
  const { provider, state, history, metrics } = options;
  const app = new Hono();
  app.get('/health', (c) => {
    const current = state.read();
    return c.json({
      status: 'ok',
      provider,
      processedBlock: current.cursor?.number ?? null,
      activeTasks: Object.keys(current.tasks).length,
    });
  });
  app.get('/metrics', async (c) =>
    c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }),
  );
  // A matcher that has just matched this provider says so; the agent looks at the chain at once. Nothing is
  // taken on trust: the poll reads `TaskMatched` as always, the call only moves it earlier.
  app.post('/wake', (c) => {
    options.wake();
    return c.body(null, 204);
  });
  app.get('/ask', (c) => {
    const signed = state.read().ask;
    if (!signed)
      return c.json({ error: { code: 'AGORA_NO_ASK', message: 'The agent has not signed an ask yet.' } }, 404);
    return c.json(signed);
  });
  app.get('/tasks', (c) => {
    const current = state.read();
    return c.json({
      active: Object.values(current.tasks).map((task) => provenanceOf(task, provider)),
      recent: history
        .entries()
        .slice(-50)
        .reverse()
        .map((task) => provenanceOf(task, provider)),
    });
  });
  app.get('/tasks/:taskId', (c) => {
    const taskId = c.req.param('taskId').toLowerCase();
    if (!/^0x[0-9a-f]{64}$/.test(taskId)) {
      return c.json({ error: { code: 'AGORA_INVALID_ARGUMENT', message: 'A task id is 0x and 64 hex digits.' } }, 400);
    }
    const current = state.read();
    const task =
      Object.values(current.tasks).find((t) => t.taskId.toLowerCase() === taskId) ??
      history.entries().findLast((t) => t.taskId.toLowerCase() === taskId);
    if (!task) return c.json({ error: { code: 'AGORA_NOT_FOUND', message: `This agent has no task ${taskId}.` } }, 404);
    return c.json(provenanceOf(task, provider));
  });
  const jsonOf = (request: Request) =>
    readJsonBody(request).catch((error: unknown) => {
      throw new HTTPError(400, errorCodes.INVALID_ARGUMENT, (error as Error).message);
    });
  const storageRole = (): StorageRole => {
    const role = options.storage?.();
    if (!role) throw new HTTPError(404, 'AGORA_NOT_FOUND', 'This agent does not offer storage.');
    return role;
  };
  const rootParam = (value: string): Hex => {
    if (!isHex(value) || value.length !== 66) {
      throw new HTTPError(400, 'AGORA_INVALID_ARGUMENT', `${value} is not a Merkle root: 0x and 64 hex digits.`);
    }
    return value;
  };
  app.get('/storage/ask', async (c) => c.json(await storageRole().ask()));
  app.put('/storage/staging/:root', bodyCap(MAX_UPLOAD_BYTES, 'An upload'), async (c) => {
    const role = storageRole();
    const root = rootParam(c.req.param('root'));
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > MAX_UPLOAD_BYTES) {
      throw new HTTPError(413, 'AGORA_CONTENT_TOO_LARGE', `Uploads are limited to ${MAX_UPLOAD_BYTES} bytes.`);
    }
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.length === 0) throw new HTTPError(400, 'AGORA_INVALID_ARGUMENT', 'The upload is empty.');
    if (bytes.length > MAX_UPLOAD_BYTES) {
      throw new HTTPError(413, 'AGORA_CONTENT_TOO_LARGE', `Uploads are limited to ${MAX_UPLOAD_BYTES} bytes.`);
    }
    try {
      await role.stage(root, bytes);
    } catch (error) {
      if (error instanceof AgoraError) throw new HTTPError(422, error.code, error.message);
      throw error;
    }
    return c.json({ root, size: bytes.length }, 201);
  });
  app.post('/storage/acceptances', bodyCap(bodyLimits.json), async (c) => {
    const role = storageRole();
    const parsed = signedStorageBidJsonSchema.shape.bid.safeParse(await jsonOf(c.req.raw));
    if (!parsed.success) {
      throw new HTTPError(400, 'AGORA_INVALID_ARGUMENT', `Not a storage bid: ${z.prettifyError(parsed.error)}`);
    }
    try {
      return c.json({ signature: await role.accept(parsed.data) });
    } catch (error) {
      if (error instanceof AgoraError) throw new HTTPError(422, error.code, error.message);
      throw error;
    }
  });
  app.post('/storage/renewals', bodyCap(bodyLimits.json), async (c) => {
    const role = storageRole();
    const parsed = renewalRequestSchema.safeParse(await jsonOf(c.req.raw));
    if (!parsed.success) {
      throw new HTTPError(
        400,
        'AGORA_INVALID_ARGUMENT',
        'A renewal request is { dealId, extraPeriods, deadline }: whole numbers, deadline in Unix seconds.',
      );
    }
    const { dealId, extraPeriods, deadline } = parsed.data;
    try {
      const signature = await role.consentToRenewal(BigInt(dealId), extraPeriods, BigInt(deadline));
      return c.json({ dealId, extraPeriods, deadline, signature });
    } catch (error) {
      if (error instanceof AgoraError) throw new HTTPError(422, error.code, error.message);
      throw error;
    }
  });
  app.get('/storage/data/:root', async (c) => {
    const bytes = await storageRole().read(rootParam(c.req.param('root')));
    if (!bytes) throw new HTTPError(404, 'AGORA_CONTENT_NOT_FOUND', 'This agent holds no data under that root.');
    return c.body(bytes, 200, { 'content-type': 'application/octet-stream' });
  });
  app.onError((error, c) => {
    if (error instanceof HTTPError) {
      return c.json({ error: { code: error.code, message: error.message } }, error.status);
    }
    throw error;
  });
  app.route('/', createGatewayApp({ store: options.store, readOnly: true }));
  return app;
}
