// `agora matcher start`: run a matcher for the network in the network file; it earns the matcher fee on every match.
import { startMatcher } from '@agora/matcher';
import { createLogger } from '@agora/service';
import { AgoraError, errorCodes } from '@agora/errors';
import { type Command } from 'commander';
import { isHex } from 'viem';
import { readNetworkFile } from '../network-file.js';
import { printJson, reportError } from '../output.js';

export function registerMatcher(program: Command): void {
  const matcher = program.command('matcher').description('match orders for a fee');
  matcher
    .command('start')
    .description('run a matcher (key in AGORA_PRIVATE_KEY) until Ctrl-C')
    .requiredOption('--data-dir <dir>', 'where the order book journal lives')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0: any free one)', '0')
    .option('--batch', 'batch auctions instead of continuous matching')
    .option('--batch-interval <ms>', 'length of one batch', '2000')
    .option(
      '--seat-grace <ms>',
      'how long a drawn provider has to seat a replicated task with its commitment before the matcher seats it',
      '20000',
    )
    .option('--network <file>', 'network file')
    .option('--log-level <level>', 'log level', 'info')
    .option('--json', 'print { url, address } as JSON once listening')
    .action(
      async (raw: {
        dataDir: string;
        host: string;
        port: string;
        batch?: boolean;
        batchInterval: string;
        seatGrace: string;
        network?: string;
        logLevel: string;
        json?: boolean;
      }) => {
        const mode = { json: raw.json === true };
        try {
          const key = process.env.AGORA_PRIVATE_KEY;
          if (key === undefined || !isHex(key) || key.length !== 66) {
            throw new AgoraError(
              errorCodes.CONFIG_INVALID,
              'Set AGORA_PRIVATE_KEY (0x and 64 hex digits): the matcher signs its match transactions with it.',
            );
          }
          const port = Number(raw.port);
          const interval = Number(raw.batchInterval);
          if (!Number.isInteger(port) || port < 0 || port > 65_535)
            throw new AgoraError(errorCodes.INVALID_ARGUMENT, `--port must be 0 to 65535; got "${raw.port}".`);
          if (!Number.isInteger(interval) || interval < 100)
            throw new AgoraError(
              errorCodes.INVALID_ARGUMENT,
              `--batch-interval must be at least 100 ms; got "${raw.batchInterval}".`,
            );
          const seatGrace = Number(raw.seatGrace);
          if (!Number.isInteger(seatGrace) || seatGrace < 0 || seatGrace > 600_000)
            throw new AgoraError(
              errorCodes.INVALID_ARGUMENT,
              `--seat-grace must be 0 to 600000 ms (the draw's block hash is kept for 256 blocks); got "${raw.seatGrace}".`,
            );
          const network = await readNetworkFile(raw.network);
          const running = await startMatcher(
            {
              rpcUrl: network.rpcUrl,
              deployment: network.deployment,
              privateKey: key,
              dataDir: raw.dataDir,
              http: { host: raw.host, port },
              mode: raw.batch ? 'batch' : 'continuous',
              batchIntervalMs: interval,
              seatGraceMs: seatGrace,
            },
            { logger: createLogger({ name: 'agora-matcher', level: raw.logLevel, destination: process.stderr }) },
          );
          if (mode.json) printJson({ url: running.url, address: running.address });
          else process.stdout.write(`matcher ${running.address} listening at ${running.url}\n`);
          const stop = () => void running.stop().then(() => process.exit(0));
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        } catch (error) {
          process.exitCode = reportError(error, mode);
        }
      },
    );
}
