// Prometheus metrics of one matcher, on a registry of its own (a test may run several in one process).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export function createMatcherMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'agora_matcher_' });
  const registers = [registry];
  return {
    registry,
    orders: new Counter({
      name: 'agora_matcher_orders_total',
      help: 'Orders posted, by kind (ask, bid) and result (accepted, or the error code that refused them).',
      labelNames: ['kind', 'result'] as const,
      registers,
    }),
    matches: new Counter({
      name: 'agora_matcher_matches_total',
      help: 'Matches by result: sent to the chain, matched (TaskMatched seen), failed.',
      labelNames: ['result'] as const,
      registers,
    }),
    seats: new Counter({
      name: 'agora_matcher_seats_total',
      help: 'Pending replicated tasks by who seated them: a drawn provider (with its commitment), the matcher after the grace, or nobody (the draw failed).',
      labelNames: ['by'] as const,
      registers,
    }),
    bookSize: new Gauge({
      name: 'agora_matcher_book_orders',
      help: 'Orders resting in the book, by kind.',
      labelNames: ['kind'] as const,
      registers,
    }),
    clearingPrice: new Gauge({
      name: 'agora_matcher_clearing_price',
      help: 'Price per fuel unit of the last batch auction, by token (base units; a gauge, so large values lose precision).',
      labelNames: ['token'] as const,
      registers,
    }),
  };
}

export type MatcherMetrics = ReturnType<typeof createMatcherMetrics>;
