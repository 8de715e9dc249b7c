#!/usr/bin/env node
// `agora-agent start --config agent.json`: the provider daemon. SIGINT/SIGTERM stop it gracefully (steps in flight
// finish, state is durable at every step); a second signal exits at once.
import { AgoraError } from '@agora/errors';
import { createLogger, writeKeystore } from '@agora/service';
import { Command } from 'commander';
import { isHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { startAgent } from './agent.js';
import { loadConfig, readPassword } from './config.js';

const program = new Command('agora-agent').description('The Agora provider agent.');

program
  .command('start')
  .description('Run the agent until SIGINT or SIGTERM.')
  .requiredOption('-c, --config <file>', 'agent configuration (JSON)')
  .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
  .action(async (options: { config: string; logLevel: string }) => {
    const logger = createLogger({ name: 'agora-agent', level: options.logLevel });
    try {
      const agent = await startAgent(await loadConfig(options.config), { logger });
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) process.exit(130);
        stopping = true;
        logger.info({ signal }, 'stopping');
        agent.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, 'stop failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    } catch (error) {
      logger.fatal(
        { err: error, code: error instanceof AgoraError ? error.code : undefined },
        'the agent could not start',
      );
      process.exitCode = 1;
    }
  });

program
  .command('import-key')
  .description(
    'Write a keystore for a private key read from AGORA_PRIVATE_KEY, encrypted with the password of --config (or AGORA_KEYSTORE_PASSWORD).',
  )
  .requiredOption('-o, --out <file>', 'keystore file to write (mode 0600)')
  .option('-c, --config <file>', 'agent configuration whose passwordFile to use')
  .option('--json', 'print { address, keystore } as JSON')
  .action(async (options: { out: string; config?: string; json?: boolean }) => {
    const key: string | undefined = process.env.AGORA_PRIVATE_KEY;
    if (key === undefined || !isHex(key) || key.length !== 66) {
      console.error('AGORA_PRIVATE_KEY must hold the private key as 0x and 64 hex digits.');
      process.exitCode = 2;
      return;
    }
    const password = options.config ? await readPassword(await loadConfig(options.config)) : await readPassword({});
    await writeKeystore(options.out, key, password);
    const address = privateKeyToAccount(key).address;
    if (options.json) console.log(JSON.stringify({ address, keystore: options.out }));
    else console.log(`Wrote the keystore of ${address} to ${options.out}.`);
  });

await program.parseAsync();
