// Prometheus metrics of one agent, on a registry of its own (several agents may share a process in tests).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createAgentMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'agora_agent_' });
  const registers = [registry];
  return {
    registry,
    assignments: new Counter({
      name: 'agora_agent_assignments_total',
      help: 'Tasks the agent was matched to.',
      registers,
    }),
    runs: new Counter({
      name: 'agora_agent_runs_total',
      help: 'Task executions by outcome (exited, trapped, out-of-fuel, ..., rejected, or error when not committed).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    runSeconds: new Histogram({
      name: 'agora_agent_run_seconds',
      help: 'Wall-clock time of a task: fetching the app and input and running it.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    fuel: new Counter({ name: 'agora_agent_fuel_total', help: 'Fuel units executed.', registers }),
    transactions: new Counter({
      name: 'agora_agent_transactions_total',
      help: 'Transactions sent, by function and result (success, reverted, failed).',
      labelNames: ['function', 'result'] as const,
      registers,
    }),
    settlements: new Counter({
      name: 'agora_agent_settlements_total',
      help: 'Settled tasks by what happened to this provider: paid, slashed, or neither.',
      labelNames: ['result'] as const,
      registers,
    }),
    earnings: new Counter({
      name: 'agora_agent_earnings_total',
      help: 'Payment credited for settled tasks, in base units of the payment token.',
      registers,
    }),
    withdrawn: new Counter({
      name: 'agora_agent_withdrawn_total',
      help: 'Earnings withdrawn from escrow, in base units of the payment token.',
      registers,
    }),
    activeTasks: new Gauge({ name: 'agora_agent_active_tasks', help: 'Tasks not yet settled.', registers }),
    processedBlock: new Gauge({
      name: 'agora_agent_processed_block',
      help: 'The last block whose events the agent has processed.',
      registers,
    }),
    reorgs: new Counter({ name: 'agora_agent_reorgs_total', help: 'Reorgs noticed.', registers }),
    errors: new Counter({
      name: 'agora_agent_errors_total',
      help: 'Errors by where they happened (watch, task, ask, withdraw).',
      labelNames: ['where'] as const,
      registers,
    }),
  };
}

export type AgentMetrics = ReturnType<typeof createAgentMetrics>;
