import { AgoraError, errorCodes } from '@agora/errors';
import { type Address, getAddress, isAddress } from 'viem';
import { z } from 'zod';
import type { NetworkFile } from './network-file.js';

// A bid names the one matcher that may submit it; the client signs for the matcher it posts to, which says who it
// is on `/health`. Asked once per matcher URL.
const matcherAccounts = new Map<string, Promise<Address>>();
const matcherHealthSchema = z.object({ matcher: z.string().refine((value) => isAddress(value, { strict: false })) });

export function matcherAccountOf(network: NetworkFile): Promise<Address> {
  let account = matcherAccounts.get(network.matcherUrl);
  if (!account) {
    account = (async () => {
      let response: Response;
      try {
        response = await fetch(`${network.matcherUrl}/health`, { signal: AbortSignal.timeout(30_000) });
      } catch (cause) {
        throw new AgoraError(errorCodes.SERVICE_UNAVAILABLE, `The matcher ${network.matcherUrl} did not answer.`, {
          cause,
        });
      }
      const status = response.status;
      const body = (await response.json().catch(() => undefined)) as unknown;
      const parsed = matcherHealthSchema.safeParse(body);
      if (status !== 200 || !parsed.success) {
        throw new AgoraError(
          errorCodes.SERVICE_UNAVAILABLE,
          `The matcher ${network.matcherUrl} did not say its account on /health (HTTP ${status}).`,
        );
      }
      return getAddress(parsed.data.matcher);
    })();
    account.catch(() => matcherAccounts.delete(network.matcherUrl));
    matcherAccounts.set(network.matcherUrl, account);
  }
  return account;
}
