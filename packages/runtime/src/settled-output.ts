// The output of a settled task, from whichever of its providers serves it, trusting none: the bytes must hash to
// the CID the provider names, and outcome, exit code and output hash must give the result hash the chain settled.
import { fetchContent } from '@agora/content';
import { AgoraError, errorCodes } from '@agora/errors';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { type Hex, type TaskOutcome, resultHashOf } from './result.js';

const provenanceSchema = z.object({
  result: z
    .object({
      outcome: z.string(),
      exitCode: z.number().int().nullable(),
      outputCid: z.string(),
      resultHash: z.string(),
    })
    .nullable(),
});

/**
 * Where providers serve results, by lower-case address: the endpoints a matcher lists (`GET /providers`), and
 * known agents for those it does not list. A matcher that does not answer lists none.
 */
export async function providerEndpoints(
  matcherUrl: string,
  agents: readonly { address: string; url: string }[] = [],
): Promise<Map<string, string>> {
  const listed = await fetch(`${matcherUrl}/providers`, { signal: AbortSignal.timeout(10_000) })
    .then((response) => response.json() as Promise<unknown>)
    .catch((): unknown => ({}));
  const endpoints = new Map(
    Object.entries(z.record(z.string(), z.string()).catch({}).parse(listed)).map(([address, url]) => [
      address.toLowerCase(),
      url,
    ]),
  );
  for (const agent of agents)
    if (!endpoints.has(agent.address.toLowerCase())) endpoints.set(agent.address.toLowerCase(), agent.url);
  return endpoints;
}

export type SettledOutput = {
  output: Uint8Array;
  outputCid: string;
  outputHash: Hex;
  outcome: string;
  exitCode: number | null;
  provider: Hex;
};

/**
 * Fetches and checks a settled task's output from its providers' agents (`GET /tasks/<id>`, then the CID).
 * @param endpoints Agent URLs by lower-case provider address.
 * @throws AgoraError CONTENT_NOT_FOUND naming what each provider did wrong, when none served a good output.
 */
export async function fetchSettledOutput(task: {
  taskId: Hex;
  providers: readonly Hex[];
  resultHash: Hex;
  endpoints: ReadonlyMap<string, string>;
}): Promise<SettledOutput> {
  const problems: string[] = [];
  for (const provider of task.providers) {
    const url = task.endpoints.get(provider.toLowerCase());
    if (!url) {
      problems.push(`${provider}: no known endpoint`);
      continue;
    }
    try {
      const response = await fetch(`${url}/tasks/${task.taskId}`, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) {
        problems.push(`${provider}: HTTP ${response.status}`);
        continue;
      }
      const { result } = provenanceSchema.parse(await response.json());
      if (!result) {
        problems.push(`${provider}: no result`);
        continue;
      }
      const output = await fetchContent(result.outputCid, { sources: [url] });
      const digest = sha256(output);
      if (resultHashOf(result.outcome as TaskOutcome, result.exitCode, digest) !== task.resultHash.toLowerCase()) {
        problems.push(`${provider}: its output does not give the settled result hash`);
        continue;
      }
      return {
        output,
        outputCid: result.outputCid,
        outputHash: `0x${bytesToHex(digest)}`,
        outcome: result.outcome,
        exitCode: result.exitCode,
        provider,
      };
    } catch (error) {
      problems.push(`${provider}: ${(error as Error).message}`);
    }
  }
  throw new AgoraError(
    errorCodes.CONTENT_NOT_FOUND,
    `No provider served the output of ${task.taskId}: ${problems.join('; ')}`,
  );
}
