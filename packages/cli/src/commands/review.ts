// `agora review` (a client rates a provider of a task or deal it paid for) and `agora respond` (the provider's
// one answer).
import { type Command } from 'commander';
import type { Hex } from 'viem';
import { z } from 'zod';
import { respondToReview, reviewSubjectOf } from '../client-reviews.js';
import { connect, readNetworkFile } from '../network-file.js';
import { type OutputMode, parseOptions, printJson, reportError, withProgress } from '../output.js';

const reviewOptionsSchema = z.object({
  rating: z.coerce
    .number({ message: '--rating is a whole number of stars from 1 to 5' })
    .int('--rating is a whole number of stars from 1 to 5')
    .min(1, '--rating is at least 1 star')
    .max(5, '--rating is at most 5 stars'),
  text: z.string({ message: '--text is required' }),
  provider: z.string().optional(),
  network: z.string().optional(),
  json: z.boolean().default(false),
});

const respondOptionsSchema = z.object({
  text: z.string({ message: '--text is required' }),
  devProvider: z.coerce.number().int().min(0, '--dev-provider is an index from 0').optional(),
  network: z.string().optional(),
  json: z.boolean().default(false),
});

const reviewIdSchema = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'a review id is 0x followed by 64 hex digits');

export function registerReview(program: Command): void {
  program
    .command('review')
    .description('rate a provider of a settled task or a finished storage deal you paid for (once per task or deal)')
    .argument('<taskId|dealId>', 'the task id (0x…) or the storage deal id')
    .requiredOption('--rating <stars>', '1 to 5')
    .requiredOption('--text <text>', 'what you have to say (stored on the content gateway, its CID on chain)')
    .option('--provider <address|index>', 'which provider of the task or deal (default: the first)')
    .option('--network <file>', 'network file')
    .option('--json', 'print { reviewId, subject, id, provider, rating, weight, textCid, transactionHash }')
    .action(async (subject: string, raw: Record<string, unknown>) => {
      const mode: OutputMode = { json: raw.json === true };
      try {
        const options = parseOptions(reviewOptionsSchema, raw);
        const network = await readNetworkFile(options.network);
        const agora = connect(network);
        const review = await withProgress('reviewing', mode, () =>
          reviewSubjectOf(network, agora, {
            subject,
            rating: options.rating,
            text: options.text,
            ...(options.provider === undefined ? {} : { provider: options.provider }),
          }),
        );
        if (mode.json) printJson(review);
        else
          process.stdout.write(
            `reviewed ${review.provider} for ${review.subject} ${review.id}: ${'★'.repeat(review.rating)}${'☆'.repeat(5 - review.rating)}\n` +
              `review ${review.reviewId} (weight ${review.weight}), text ${review.textCid}\n`,
          );
      } catch (error) {
        process.exitCode = reportError(error, mode);
      }
    });

  program
    .command('respond')
    .description('answer a review of you, as the reviewed provider (once per review)')
    .argument('<reviewId>', 'the review id (0x…)')
    .requiredOption('--text <text>', 'your answer')
    .option('--dev-provider <index>', "on a dev network, sign with that dev provider's key (else AGORA_PRIVATE_KEY)")
    .option('--network <file>', 'network file')
    .option('--json', 'print { reviewId, responseCid, transactionHash }')
    .action(async (reviewId: string, raw: Record<string, unknown>) => {
      const mode: OutputMode = { json: raw.json === true };
      try {
        const options = parseOptions(respondOptionsSchema, raw);
        const id = parseOptions(reviewIdSchema, reviewId) as Hex;
        const network = await readNetworkFile(options.network);
        const agora = connect(network, options.devProvider === undefined ? {} : { providerIndex: options.devProvider });
        const response = await respondToReview(network, agora, id, options.text);
        if (mode.json) printJson(response);
        else process.stdout.write(`responded to ${response.reviewId}: ${response.responseCid}\n`);
      } catch (error) {
        process.exitCode = reportError(error, mode);
      }
    });
}
