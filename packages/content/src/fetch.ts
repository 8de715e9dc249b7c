// Fetching content by CID from whichever source has it, trusting none of them: the bytes must hash to the CID.
import { AgoraError, errorCodes } from '@agora/errors';
import { type CID, cidOf, parseCid } from './cid.js';
import { concat } from './store.js';

export type FetchContentOptions = {
  /** Gateway base URLs tried in order, e.g. `http://127.0.0.1:8080`. */
  sources: readonly string[];
  /** Largest content accepted, in bytes. */
  maxBytes?: number;
  /** Time allowed per source, in milliseconds. */
  timeoutMs?: number;
  signal?: AbortSignal;
};

async function readLimited(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? 'NaN');
  if (declared > maxBytes)
    throw new AgoraError(
      errorCodes.CONTENT_TOO_LARGE,
      `The content is ${declared} bytes; the limit is ${maxBytes} bytes.`,
    );
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) break;
    total += next.value.length;
    if (total > maxBytes) {
      await reader?.cancel();
      throw new AgoraError(errorCodes.CONTENT_TOO_LARGE, `The content exceeds the limit of ${maxBytes} bytes.`);
    }
    chunks.push(next.value);
  }
  return concat(chunks);
}

/**
 * Fetches the bytes of `cid` from the first source that returns bytes hashing to it.
 * @throws AgoraError CONTENT_HASH_MISMATCH if sources answered only with wrong bytes, CONTENT_NOT_FOUND if none had it
 * @example
 * const app = await fetchContent('bafkrei…', { sources: ['http://127.0.0.1:8080'] })
 */
export async function fetchContent(cid: string | CID, options: FetchContentOptions): Promise<Uint8Array> {
  const wanted = typeof cid === 'string' ? parseCid(cid) : cid;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const failures: string[] = [];
  let sawMismatch = false;
  for (const source of options.sources) {
    const url = `${source.replace(/\/+$/, '')}/ipfs/${wanted.toString()}`;
    try {
      const signals = [AbortSignal.timeout(options.timeoutMs ?? 30_000), ...(options.signal ? [options.signal] : [])];
      const response = await fetch(url, { signal: AbortSignal.any(signals) });
      if (!response.ok) {
        failures.push(`${source}: HTTP ${response.status}`);
        await response.body?.cancel();
        continue;
      }
      const bytes = await readLimited(response, maxBytes);
      const actual = await cidOf(bytes);
      if (!actual.equals(wanted)) {
        sawMismatch = true;
        failures.push(`${source}: sent ${bytes.length} bytes hashing to ${actual.toString()}`);
        continue;
      }
      return bytes;
    } catch (error) {
      if (error instanceof AgoraError && error.code === errorCodes.CONTENT_TOO_LARGE) throw error;
      options.signal?.throwIfAborted();
      failures.push(`${source}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const details = failures.length > 0 ? failures.join('\n') : 'No sources were given.';
  if (sawMismatch) {
    throw new AgoraError(errorCodes.CONTENT_HASH_MISMATCH, `No source sent bytes matching ${wanted.toString()}.`, {
      details,
    });
  }
  throw new AgoraError(errorCodes.CONTENT_NOT_FOUND, `No source had ${wanted.toString()}.`, {
    details,
    retryable: true,
  });
}
