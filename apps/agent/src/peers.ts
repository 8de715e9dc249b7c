// The other providers of a task learn of this agent's commit at their next poll; a wake tells them at once, so the
// reveals (which wait for every commit) start sooner. Endpoints come from the matchers' provider lists (what each
// agent told them with its ask). A wake is only a hint: the woken agent reads the chain as it always does, so a
// wrong or missing endpoint costs nothing but time.
import { providerEndpoints } from '@agora/runtime';
import type { Logger } from '@agora/service';
import type { Address } from 'viem';

/** Re-reads the matchers' lists at most this often when a provider is missing from them. */
const refreshAfterMs = 10_000;

export function createPeerWaker(options: { matchers: readonly string[]; self: Address; logger: Logger }) {
  const self = options.self.toLowerCase();
  const endpoints = new Map<string, string>();
  let readAt = -Infinity;
  let reading: Promise<void> | undefined;
  const refresh = async () => {
    for (const matcher of options.matchers) {
      for (const [address, url] of await providerEndpoints(matcher)) endpoints.set(address, url);
    }
    readAt = Date.now();
  };

  return (providers: readonly Address[]): void => {
    const others = providers.map((provider) => provider.toLowerCase()).filter((provider) => provider !== self);
    if (others.length === 0) return;
    void (async () => {
      if (others.some((provider) => !endpoints.has(provider)) && Date.now() - readAt > refreshAfterMs) {
        reading ??= refresh().finally(() => (reading = undefined));
        await reading;
      }
      for (const provider of others) {
        const url = endpoints.get(provider);
        if (!url) continue;
        fetch(`${url}/wake`, { method: 'POST', signal: AbortSignal.timeout(1_000) })
          .then((response) => response.body?.cancel())
          .catch(() => undefined);
      }
    })().catch((error: unknown) => options.logger.debug({ err: error }, 'could not wake the other providers'));
  };
}
