// `agora task submit|get|result`: buy compute on the network in the network file and read what came of it.
import { readFile, writeFile } from 'node:fs/promises';
import { AgoraError, errorCodes } from '@agora/errors';
import { type Command } from 'commander';
import { type Hex } from 'viem';
import { z } from 'zod';
import { createInterface } from 'node:readline/promises';
import { amountJson, formatAmount, parseAmount } from '@agora/sdk';
import { cancelTask, describeTask, fetchResult, submitTask, taskLine, waitForTask } from '../client-tasks.js';
import { connect, readNetworkFile } from '../network-file.js';
import { type OutputMode, parseOptions, printJson, progressReporter, reportError } from '../output.js';

const whole = (what: string) =>
  z
    .string()
    .regex(/^[0-9]+$/, `${what} must be a whole number`)
    .transform((value) => BigInt(value));

const submitOptionsSchema = z.object({
  input: z.string().optional(),
  replicas: z.coerce.number().int().min(1, 'at least 1 replica').max(16, 'at most 16 replicas'),
  maxPrice: z.string(),
  fuel: whole('--fuel').refine((value) => value > 0n, '--fuel must be above 0'),
  ttl: z.coerce
    .number()
    .int()
    .min(10)
    .max(30 * 24 * 3600),
  nonce: whole('--nonce').optional(),
  deadline: whole('--deadline').optional(),
  wait: z.boolean().default(false),
  yes: z.boolean().default(false),
  confirmAbove: z.string(),
  json: z.boolean().default(false),
  network: z.string().optional(),
  timeout: z.coerce.number().positive(),
});

const taskIdSchema = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'a task id is 0x followed by 64 hex digits');

async function readBytes(file: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (cause) {
    throw new AgoraError(errorCodes.INVALID_ARGUMENT, `Cannot read the ${what} ${file}: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/** The task `id` names, read from the chain of the network file; a clear error when there is none. */
async function readTask(id: string, networkFile: string | undefined) {
  const taskId = parseOptions(taskIdSchema, id) as Hex;
  const network = await readNetworkFile(networkFile);
  const view = await connect(network).task(taskId);
  if (!view) throw new AgoraError(errorCodes.TASK_NOT_FOUND, `No task ${taskId} on this network.`);
  return { taskId, network, view };
}

/** Asks on the terminal; anything but yes stops with DECLINED. Only asked where stdin is a terminal. */
async function confirmOrDecline(question: string): Promise<void> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(question);
    if (!/^y(es)?$/i.test(answer.trim())) {
      throw new AgoraError(errorCodes.DECLINED, 'Not submitted: the task could cost more than you confirmed.');
    }
  } finally {
    prompt.close();
  }
}

export function registerTask(program: Command): void {
  const task = program.command('task').description('buy compute: submit a task, follow it, fetch its result');

  task
    .command('submit')
    .description('run a WASI app on the network: upload it, sign a bid, post it to the matcher')
    .argument('<app>', 'the .wasm module')
    .argument('[args...]', 'arguments for the app (after --); the bid commits to them')
    .option('--input <file>', "file whose bytes are the app's stdin")
    .option('--replicas <n>', 'providers that run it independently (results must agree)', '1')
    .option(
      '--max-price <amount>',
      'most you pay per fuel unit, in the payment token (0.00001) or in its base units (10base)',
      '0.00001',
    )
    .option('--fuel <units>', 'fuel the app may spend (you pay only for what it uses)', '100000000')
    .option('--ttl <seconds>', 'how long the bid waits for providers', '600')
    .option('--nonce <n>', 'bid nonce (lane << 32 | sequence); a fresh lane by default')
    .option('--deadline <seconds>', 'bid deadline in seconds since 1970; now + ttl by default')
    .option('--wait', 'wait until the task settles and fetch the output')
    .option('--confirm-above <amount>', 'ask before submitting a task that could cost more than this', '100')
    .option('--yes', 'do not ask, whatever the task could cost')
    .option('--timeout <seconds>', 'how long --wait waits', '600')
    .option('--network <file>', 'network file (default .agora/network.json or AGORA_NETWORK)')
    .option('--json', 'print { taskId, status, outputHash, outputCid, fuelUsed, providers, cost, … } as JSON')
    .action(async (appFile: string, args: string[], raw: Record<string, unknown>) => {
      const mode: OutputMode = { json: raw.json === true };
      try {
        const options = parseOptions(submitOptionsSchema, raw);
        const network = await readNetworkFile(options.network);
        const agora = connect(network);
        const unit = await agora.tokenUnit(network.token);
        const maxPricePerFuel = parseAmount(options.maxPrice, unit, '--max-price');
        const confirmAbove = parseAmount(options.confirmAbove, unit, '--confirm-above');
        const [app, stdin] = await Promise.all([
          readBytes(appFile, 'app'),
          options.input ? readBytes(options.input, 'input') : new Uint8Array(),
        ]);
        const progress = progressReporter(mode);
        const submitted = await submitTask(
          network,
          agora,
          {
            app,
            args,
            stdin,
            replicas: options.replicas,
            maxPricePerFuel,
            maxFuel: options.fuel,
            ttlSeconds: options.ttl,
            ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
            ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
            confirm: async (maxLock) => {
              if (options.yes || maxLock <= confirmAbove || !process.stdin.isTTY) return;
              await confirmOrDecline(
                `This task can cost up to ${formatAmount(maxLock, unit)} (fuel × price × replicas, plus fees). Submit it? [y/N] `,
              );
            },
          },
          progress,
        );
        if (!options.wait) {
          if (mode.json)
            printJson({
              taskId: submitted.taskId,
              bidHash: submitted.bidHash,
              status: 'posted',
              maxLock: amountJson(submitted.maxLock, unit),
            });
          else process.stdout.write(`${submitted.taskId}\n`);
          return;
        }
        const view = await waitForTask(network, agora, submitted, progress, { timeoutMs: options.timeout * 1000 });
        const result = await fetchResult(network, view).catch((error: unknown) => {
          progress('output unavailable', { reason: (error as Error).message });
          return undefined;
        });
        const described = describeTask(view, unit, result);
        if (mode.json) {
          printJson({ ...described, output: result ? Buffer.from(result.output).toString('base64') : null });
          return;
        }
        if (result) process.stdout.write(result.output);
        process.stderr.write(
          `agora task: ${described.status} · ${described.outcome ?? 'no output'}${described.exitCode === null ? '' : ` (exit ${described.exitCode})`} · ${taskLine('fuelUsed', described, unit)} · cost ${taskLine('cost', described, unit)} · ${described.taskId}\n`,
        );
        // A task that settled but whose output no provider serves did not give the user what it paid for.
        if (described.status !== 'finalized' || !result) process.exitCode = 1;
      } catch (error) {
        process.exitCode = reportError(error, mode);
      }
    });

  task
    .command('get')
    .description("a task's terms, steps and settlement, read from the chain")
    .argument('<taskId>')
    .option('--network <file>', 'network file')
    .option('--json', 'print as JSON')
    .action(async (id: string, raw: { network?: string; json?: boolean }) => {
      const mode: OutputMode = { json: raw.json === true };
      try {
        const { network, view } = await readTask(id, raw.network);
        const unit = await connect(network).tokenUnit(view.task.token);
        // A settled task's output is part of what it is: fetched from its providers and checked against the chain.
        let unavailable: string | undefined;
        const result = view.settlement
          ? await fetchResult(network, view).catch((error: unknown) => {
              unavailable = error instanceof Error ? error.message : String(error);
              return undefined;
            })
          : undefined;
        const described = describeTask(view, unit, result);
        const steps = {
          commits: view.commits.map((c) => ({ provider: c.provider, block: c.blockNumber })),
          reveals: view.reveals.map((r) => ({
            provider: r.provider,
            resultHash: r.resultHash,
            fuelUsed: r.fuelUsed,
            block: r.blockNumber,
          })),
        };
        if (mode.json) printJson({ ...described, ...steps, outputUnavailable: unavailable ?? null });
        else {
          for (const key of Object.keys(described) as (keyof typeof described)[])
            process.stdout.write(`${key.padEnd(14)} ${taskLine(key, described, unit)}\n`);
          process.stdout.write(`${'commits'.padEnd(14)} ${steps.commits.length}/${view.task.providers.length}\n`);
          process.stdout.write(`${'reveals'.padEnd(14)} ${steps.reveals.length}/${view.task.providers.length}\n`);
          if (unavailable) process.stdout.write(`${'output'.padEnd(14)} unavailable: ${unavailable}\n`);
        }
      } catch (error) {
        process.exitCode = reportError(error, mode);
      }
    });

  task
    .command('cancel')
    .description("cancel a bid that has not matched: on chain (its nonce is retired) and in the matcher's book")
    .argument('<taskIdOrNonce>', "the task id `task submit` printed, or the bid's nonce")
    .option('--network <file>', 'network file')
    .option('--json', 'print { taskId, nonce, transactionHash, matcher } as JSON')
    .action(async (target: string, raw: { network?: string; json?: boolean }) => {
      const mode: OutputMode = { json: raw.json === true };
      try {
        const network = await readNetworkFile(raw.network);
        const cancelled = await cancelTask(network, connect(network), target, progressReporter(mode));
        if (mode.json) printJson(cancelled);
        else
          process.stdout.write(
            `cancelled bid ${cancelled.nonce} (task ${cancelled.taskId}) on chain: ${cancelled.transactionHash}; matcher: ${cancelled.matcher}\n`,
          );
      } catch (error) {
        process.exitCode = reportError(error, mode);
      }
    });

  task
    .command('result')
    .description('fetch the output of a settled task from its providers, checked against the chain')
    .argument('<taskId>')
    .option('--out <file>', 'write the output bytes here (default: stdout)')
    .option('--network <file>', 'network file')
    .option('--json', 'print { taskId, outputCid, outputHash, outcome, exitCode, provider, bytes } as JSON')
    .action(async (id: string, raw: { out?: string; network?: string; json?: boolean }) => {
      const mode: OutputMode = { json: raw.json === true };
      try {
        const { taskId, network, view } = await readTask(id, raw.network);
        const result = await fetchResult(network, view);
        if (raw.out) await writeFile(raw.out, result.output);
        if (mode.json) {
          printJson({
            taskId,
            outputCid: result.outputCid,
            outputHash: result.outputHash,
            outcome: result.outcome,
            exitCode: result.exitCode,
            provider: result.provider,
            bytes: result.output.length,
            ...(raw.out ? { file: raw.out } : { output: Buffer.from(result.output).toString('base64') }),
          });
        } else if (!raw.out) process.stdout.write(result.output);
        else
          process.stderr.write(
            `agora task result: ${result.output.length} bytes written to ${raw.out} (${result.outputCid})\n`,
          );
      } catch (error) {
        process.exitCode = reportError(error, mode);
      }
    });
}
