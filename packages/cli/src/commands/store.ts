// `agora store put|get|status`: keep a file with providers who prove every period that they still hold it.
import { writeFile } from 'node:fs/promises';
import { type Command } from 'commander';
import { amountJson, formatAmount, parseAmount } from '@agora/sdk';
import { z } from 'zod';
import { cancelDeal, describeDeal, renewDeal, retrieveFile, storeFile } from '../client-storage.js';
import { connect, readNetworkFile } from '../network-file.js';
import { type OutputMode, parseOptions, printJson, progressReporter, reportError } from '../output.js';

const putOptionsSchema = z.object({
  replicas: z.coerce.number().int().min(1, 'at least 1 replica').max(16, 'at most 16 replicas'),
  duration: z.coerce
    .number()
    .int()
    .min(1, '--duration is at least 1 period')
    .max(2 ** 32 - 1),
  encrypt: z.boolean(),
  maxPrice: z.string().optional(),
  keyFile: z.string().optional(),
  direct: z.boolean().default(false),
  network: z.string().optional(),
  json: z.boolean().default(false),
});

const dealIdSchema = z
  .string()
  .regex(/^\d+$/, 'a deal id is a whole number')
  .transform((value) => BigInt(value));

export function registerStore(program: Command): void {
  const store = program.command('store').description('store files with providers that prove they keep them');

  store
    .command('put')
    .description('encrypt (by default), build the Merkle tree, upload to the cheapest providers and open a deal')
    .argument('<file>', 'the file to store')
    .option('--replicas <n>', 'providers that each keep a copy', '2')
    .option('--duration <periods>', 'how many periods to store it', '10')
    .option(
      '--max-price <amount>',
      'highest price per GiB per period, in the payment token (0.5) or in its base units (500000base)',
    )
    .option('--no-encrypt', 'store the bytes as they are (public data)')
    .option('--key-file <file>', 'where to write the key (default: ~/.agora/keys/<cid>.json, or $AGORA_KEYS_DIR)')
    .option('--direct', "fill the providers' asks yourself instead of through the matcher (no matcher fee)")
    .option('--network <file>', 'network file')
    .option('--json', 'print { dealId, cid, root, size, providers, ... } as JSON')
    .action(async (file: string, raw: Record<string, unknown>) => {
      const mode: OutputMode = { json: raw.json === true };
      try {
        const options = parseOptions(putOptionsSchema, raw);
        const network = await readNetworkFile(options.network);
        const agora = connect(network);
        const unit = await agora.tokenUnit(network.token);
        const maxPrice =
          options.maxPrice === undefined ? undefined : parseAmount(options.maxPrice, unit, '--max-price');
        const stored = await storeFile(
          agora,
          network,
          file,
          {
            replicas: options.replicas,
            periods: options.duration,
            encrypt: options.encrypt,
            maxPrice,
            keyFile: options.keyFile,
            direct: options.direct,
          },
          progressReporter(mode),
        );
        if (mode.json)
          printJson({
            ...stored,
            pricePerGiBPeriod: { ...amountJson(stored.pricePerGiBPeriod, unit), per: 'GiB per period' },
            cost: amountJson(stored.cost, unit),
          });
        else {
          process.stdout.write(
            `deal       ${stored.dealId}\ncid        ${stored.cid}\nroot       ${stored.root}\nsize       ${stored.size} bytes${stored.encrypted ? ` (${stored.plainSize} before encryption)` : ''}\nproviders  ${stored.providers.join(', ')}\ncost       ${formatAmount(stored.cost, unit)} for ${stored.periods} periods (${formatAmount(stored.pricePerGiBPeriod, unit)} per GiB per period)\n${stored.keyFile ? `key        ${stored.keyFile} (back it up: without it the data cannot be read)\n` : ''}`,
          );
        }
      } catch (error) {
        process.exitCode = reportError(error, mode);
      }
    });

  store
    .command('get')
    .description('fetch a stored file from any provider holding it, check it against the root, decrypt it')
    .argument('<target>', 'deal id, or the CID `store put` printed')
    .requiredOption('--out <file>', 'where to write the original bytes')
    .option('--key-file <file>', 'the key file (default: looked up by CID in the keys directory)')
    .option('--network <file>', 'network file')
    .option('--json', 'print as JSON')
    .action(async (target: string, raw: { out: string; keyFile?: string; network?: string; json?: boolean }) => {
      const mode: OutputMode = { json: raw.json === true };
      try {
        const network = await readNetworkFile(raw.network);
        const agora = connect(network);
        const result = await retrieveFile(agora, network, target, { keyFile: raw.keyFile }, progressReporter(mode));
        await writeFile(raw.out, result.bytes);
        const summary = {
          dealId: result.dealId,
          cid: result.cid,
          root: result.root,
          from: result.from,
          encrypted: result.encrypted,
          bytes: result.bytes.length,
          out: raw.out,
        };
        if (mode.json) printJson(summary);
        else process.stdout.write(`wrote ${summary.bytes} bytes to ${raw.out} (from ${summary.from})\n`);
      } catch (error) {
        process.exitCode = reportError(error, mode);
      }
    });

  store
    .command('renew')
    .description('extend a deal: each provider signs its consent, the extra periods are paid now')
    .argument('<dealId>', 'the deal id')
    .requiredOption('--periods <n>', 'periods to add')
    .option('--network <file>', 'network file')
    .option('--json', 'print { dealId, periods, cost } as JSON')
    .action(async (dealId: string, raw: { periods: string; network?: string; json?: boolean }) => {
      const mode: OutputMode = { json: raw.json === true };
      try {
        const id = parseOptions(dealIdSchema, dealId);
        const periods = parseOptions(
          z.coerce
            .number()
            .int()
            .min(1, '--periods is at least 1')
            .max(2 ** 32 - 1),
          raw.periods,
        );
        const network = await readNetworkFile(raw.network);
        const agora = connect(network);
        const renewed = await renewDeal(agora, network, id, periods, progressReporter(mode));
        const unit = await agora.tokenUnit(network.token);
        if (mode.json) printJson({ ...renewed, cost: amountJson(renewed.cost, unit) });
        else
          process.stdout.write(
            `deal ${renewed.dealId} now lasts ${renewed.periods} periods (paid ${formatAmount(renewed.cost, unit)})\n`,
          );
      } catch (error) {
        process.exitCode = reportError(error, mode);
      }
    });

  store
    .command('cancel')
    .description('end a deal after the current period; the later periods are refunded')
    .argument('<dealId>', 'the deal id')
    .option('--network <file>', 'network file')
    .option('--json', 'print { dealId, periods, refund } as JSON')
    .action(async (dealId: string, raw: { network?: string; json?: boolean }) => {
      const mode: OutputMode = { json: raw.json === true };
      try {
        const id = parseOptions(dealIdSchema, dealId);
        const network = await readNetworkFile(raw.network);
        const cancelled = await cancelDeal(connect(network), id);
        if (mode.json) printJson(cancelled);
        else {
          process.stdout.write(
            `deal ${cancelled.dealId} ends after period ${cancelled.periods - 1n}; refunded ${cancelled.refund}\n`,
          );
        }
      } catch (error) {
        process.exitCode = reportError(error, mode);
      }
    });

  store
    .command('status')
    .description("a deal's terms, its slots and the history of its proofs, misses and repairs")
    .argument('<dealId>', 'the deal id')
    .option('--network <file>', 'network file')
    .option('--json', 'print as JSON')
    .action(async (dealId: string, raw: { network?: string; json?: boolean }) => {
      const mode: OutputMode = { json: raw.json === true };
      try {
        const id = parseOptions(dealIdSchema, dealId);
        const network = await readNetworkFile(raw.network);
        const status = await describeDeal(connect(network), network, id);
        if (mode.json) printJson(status);
        else {
          const lines = [
            `deal ${status.dealId}  ${status.status}  period ${status.currentPeriod ?? '-'} of ${status.periods} (${status.periodBlocks} blocks each)`,
            ...status.slots.map(
              (slot) =>
                `  slot ${slot.index}  ${slot.state.padEnd(9)}  ${slot.provider}  proven ${slot.proven}  missed ${slot.missed}`,
            ),
            'history:',
            ...status.history.map(
              (h) =>
                `  block ${h.block}  ${h.event}${h.slot === undefined ? '' : ` slot ${h.slot}`}${h.period === undefined ? '' : ` period ${h.period}`}`,
            ),
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
        }
      } catch (error) {
        process.exitCode = reportError(error, mode);
      }
    });
}
