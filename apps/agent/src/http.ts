// The agent's HTTP face: health, Prometheus metrics, its signed ask, the provenance of its tasks, and the bytes it
// holds (apps, inputs, outputs) through a read-only content gateway.
import { CID, type ContentStore, createGatewayApp } from '@agora/content';
import { runtimeVersion } from '@agora/runtime';
import { decodeTaskRecord } from '@agora/sdk';
import { Hono } from 'hono';
import { hexToBytes } from 'viem';
import type { AgentState, TrackedTask } from './agent-state.js';
import type { AgentMetrics } from './metrics.js';
import type { DurableState } from './state.js';

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
  metrics: AgentMetrics;
  store: ContentStore;
  /** Reads the chain now instead of at the next poll. */
  wake: () => void;
}): Hono {
  const { provider, state, metrics } = options;
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
      recent: current.history
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
      current.history.findLast((t) => t.taskId.toLowerCase() === taskId);
    if (!task) return c.json({ error: { code: 'AGORA_NOT_FOUND', message: `This agent has no task ${taskId}.` } }, 404);
    return c.json(provenanceOf(task, provider));
  });
  app.route('/', createGatewayApp({ store: options.store, readOnly: true }));
  return app;
}
