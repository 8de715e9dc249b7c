// `agora run <app.wasm>`: runs a module locally in exactly the runtime providers use, so anyone can
// check a provider's claimed output, hash and fuel before paying.
import { readFile } from 'node:fs/promises';
import { AgoraError, errorCodes } from '@agora/errors';
import { createRuntimePool, describeResult, prepareApp } from '@agora/runtime';
import { type Command } from 'commander';
import { z } from 'zod';
import { printJson, reportError, withProgress } from '../output.js';

// Defaults come from the commander options below (where --help shows them); this schema only checks.
const optionsSchema = z.object({
  input: z.string().optional(),
  fuel: z
    .string()
    .regex(/^[1-9][0-9]*$/, 'fuel must be a positive whole number of units')
    .transform((value) => BigInt(value)),
  json: z.boolean().default(false),
  taskId: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, 'the task id must be 0x followed by 64 hex digits')
    .optional(),
  time: z.string().regex(/^[0-9]+$/, 'the time must be whole seconds since 1970'),
  floats: z.enum(['canonicalize', 'reject']),
  maxMemory: z.coerce.number().int().min(1).max(4096),
  timeout: z.coerce.number().positive(),
});

async function readInput(file: string | undefined): Promise<Uint8Array> {
  if (file === undefined) return new Uint8Array(0);
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return new Uint8Array(Buffer.concat(chunks));
  }
  return new Uint8Array(await readFile(file));
}

async function readApp(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    throw new AgoraError(errorCodes.INVALID_ARGUMENT, `Cannot read the app ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a WASI module locally in the deterministic, metered runtime providers use')
    .argument('<app>', 'the .wasm module')
    .argument('[args...]', 'arguments for the app (after --)')
    .option('--input <file>', 'file whose bytes are the app\'s stdin ("-" reads this process\'s stdin)')
    .option('--fuel <units>', 'fuel the run may spend', '10000000000')
    .option('--task-id <hex>', 'task id that seeds random_get (32 bytes, hex)')
    .option('--time <seconds>', 'what the frozen clock reads, in seconds since 1970', '0')
    .option('--floats <policy>', 'canonicalize NaNs, or reject modules that use floats', 'canonicalize')
    .option('--max-memory <MiB>', 'memory limit of the app in MiB (64 KiB pages, rounded down)', '256')
    .option('--timeout <seconds>', 'wall-clock limit', '60')
    .option(
      '--json',
      'print { outcome, exitCode, outputHash, outputCid, resultHash, fuelUsed, stdout (base64), stderr } as JSON',
    )
    .action(async (appFile: string, args: string[], rawOptions: Record<string, unknown>) => {
      const json = rawOptions.json === true;
      try {
        const parsed = optionsSchema.safeParse(rawOptions);
        if (!parsed.success) {
          throw new AgoraError(
            errorCodes.INVALID_ARGUMENT,
            parsed.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`).join('; '),
          );
        }
        const options = parsed.data;
        const [bytes, input] = await Promise.all([readApp(appFile), readInput(options.input)]);
        const app = prepareApp(bytes, {
          floats: options.floats,
          maxMemoryPages: Math.floor((options.maxMemory * 1024) / 64),
        });
        const pool = createRuntimePool({ size: 1, timeoutMs: options.timeout * 1000 });
        const seed = options.taskId ? Buffer.from(options.taskId.slice(2), 'hex') : new Uint8Array(32);
        const run = await withProgress('running', { json }, () =>
          pool
            .run(app, {
              args,
              input,
              fuel: options.fuel,
              seed: new Uint8Array(seed),
              clockNs: BigInt(options.time) * 1_000_000_000n,
            })
            .finally(() => pool.close()),
        );
        const result = await describeResult(run);
        if (json) {
          printJson({
            outcome: result.outcome,
            exitCode: result.exitCode,
            ...(result.trap ? { trap: result.trap } : {}),
            outputHash: result.outputHash,
            outputCid: result.outputCid,
            resultHash: result.resultHash,
            fuelUsed: Number(result.fuelUsed),
            stdout: Buffer.from(result.stdout).toString('base64'),
            stderr: Buffer.from(result.stderr).toString('base64'),
          });
          return;
        }
        process.stdout.write(result.stdout);
        process.stderr.write(result.stderr);
        const how =
          result.outcome === 'exited'
            ? `exited with code ${result.exitCode}`
            : result.trap
              ? `trapped: ${result.trap}`
              : result.outcome;
        process.stderr.write(
          `agora run: ${how} · fuel ${result.fuelUsed.toLocaleString('en-US')} · output ${result.outputCid} (${result.stdout.length} bytes)\n`,
        );
        process.exitCode = result.outcome === 'exited' ? (result.exitCode ?? 0) & 0xff : 1;
      } catch (error) {
        process.exitCode = reportError(error, { json });
      }
    });
}
