// What every Agora HTTP service does with a request body: caps it while it streams in (a missing or false
// Content-Length does not get past the counter), and reads JSON with an error that says the body is not JSON.
import { AgoraError, errorCodes } from '@agora/errors';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/** The body caps the services use: JSON documents are small; uploads have their own, larger cap. */
export const bodyLimits = { json: 256 * 1024 } as const;

const sizeText = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(bytes % (1024 * 1024) ? 1 : 0)} MiB` : `${bytes / 1024} KiB`;

/** Refuses, with 413 and the limit named, any body over `maxBytes`, counting bytes as they arrive. */
export function bodyCap(maxBytes: number, what = 'A request body'): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) =>
      c.json(
        {
          error: {
            code: errorCodes.CONTENT_TOO_LARGE,
            message: `${what} may be at most ${maxBytes} bytes (${sizeText(maxBytes)}); this one is larger.`,
          },
        },
        413,
        // The rest of the body is never read: the connection closes, so no client sends its next request into it.
        { connection: 'close' },
      ),
  });
}

/**
 * The request's body as JSON.
 * @throws AgoraError INVALID_ARGUMENT saying the body is not JSON (and why), never "received undefined"
 */
export async function readJsonBody(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === '') {
    throw new AgoraError(errorCodes.INVALID_ARGUMENT, 'The request has no body; send a JSON document.');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new AgoraError(
      errorCodes.INVALID_ARGUMENT,
      `The request body is not JSON (${(cause as Error).message}); send a JSON document.`,
      { cause },
    );
  }
}
