// The indexer's API through the dashboard server's /api, typed by the API's own response schemas.
import type {
  DealDetailView,
  DealView,
  ProviderView,
  ReviewView,
  StatsPointView,
  SummaryView,
  TaskDetailView,
  TaskView,
} from '@agora/indexer/views';
import { useQuery } from '@tanstack/react-query';

export type Provider = ProviderView;
export type Task = TaskView;
export type TaskDetail = TaskDetailView;
export type Deal = DealView;
export type DealDetail = DealDetailView;
export type Review = ReviewView;
export type StatsPoint = StatsPointView;
export type Summary = SummaryView;

export class NotIndexed extends Error {}

export async function getJson<T>(route: string): Promise<T> {
  const response = await fetch(`/api${route}`);
  if (response.status === 404) throw new NotIndexed(route);
  const body = (await response.json()) as T & { error?: { message: string } };
  if (!response.ok) throw new Error(body.error?.message ?? `HTTP ${response.status}`);
  return body;
}

/** An API read, refreshed every two seconds: the market is live. */
export function useApi<T>(route: string, options: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: [route],
    queryFn: () => getJson<T>(route),
    refetchInterval: 2000,
    retry: (count, error) => error instanceof NotIndexed && count < 60,
    retryDelay: 1000,
    enabled: options.enabled ?? true,
  });
}

/** Text stored on the content gateway (review texts and responses). */
export function useText(cid: string | null) {
  return useQuery({
    queryKey: ['text', cid],
    enabled: cid !== null,
    staleTime: Infinity,
    queryFn: async () => {
      const response = await fetch(`/gateway/ipfs/${cid}`);
      return response.ok ? await response.text() : null;
    },
  });
}
