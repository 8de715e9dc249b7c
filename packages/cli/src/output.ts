// How every command reports: human text by default, one JSON document with --json, errors with stable codes.
import { AgoraError, errorCodes } from '@agora/errors';
import type { z } from 'zod';

export type OutputMode = { json: boolean };

export function printJson(value: unknown): void {
  process.stdout.write(
    `${JSON.stringify(value, (_, item: unknown) => (typeof item === 'bigint' ? item.toString() : item), 2)}\n`,
  );
}

/** Prints an error (as JSON with --json) and returns the exit code for it. */
export function reportError(error: unknown, mode: OutputMode): number {
  const code = error instanceof AgoraError ? error.code : 'AGORA_INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  if (mode.json) printJson({ error: { code, message } });
  else process.stderr.write(`error ${code}: ${message}\n`);
  return 2;
}

/** A spinner on stderr while `work` runs, only when stderr is a terminal and output is not JSON. */
export async function withProgress<T>(label: string, mode: OutputMode, work: () => Promise<T>): Promise<T> {
  if (mode.json || !process.stderr.isTTY) return work();
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  const started = Date.now();
  let frame = 0;
  const timer = setInterval(() => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stderr.write(`\r${frames[frame++ % frames.length]} ${label} ${seconds}s`);
  }, 80);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    process.stderr.write('\r\x1b[K');
  }
}

/** Progress lines on stderr (`--json` keeps stdout to the one JSON document; progress still goes to stderr). */
export function progressReporter(mode: OutputMode) {
  const started = Date.now();
  return (stage: string, detail?: Record<string, unknown>) => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (mode.json)
      process.stderr.write(
        `${JSON.stringify({ progress: stage, seconds: Number(seconds), ...detail }, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`,
      );
    else process.stderr.write(`  ${seconds.padStart(5)}s  ${stage}\n`);
  };
}

/** Validates command options and arguments; a failure names each wrong option and what it accepts. */
export function parseOptions<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new AgoraError(
      errorCodes.INVALID_ARGUMENT,
      parsed.error.issues
        .map((issue) => `${issue.path.length ? `--${issue.path.join('.')}: ` : ''}${issue.message}`)
        .join('; '),
    );
  }
  return parsed.data;
}
