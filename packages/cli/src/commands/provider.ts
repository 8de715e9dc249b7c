// `agora provider`: become a provider on the network in the network file: write the agent's files, register,
// stake, look at a provider, and run the agent.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, startAgent, writeAgentFiles } from '@agora/agent';
import { AgoraError, errorCodes } from '@agora/errors';
import { type Resources, amountJson, decodeResources, formatAmount, parseAmount, resourceFeatures } from '@agora/sdk';
import { createLogger } from '@agora/service';
import { type Command } from 'commander';
import { type Address, type Hex, bytesToHex, isAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { connect, readNetworkFile } from '../network-file.js';
import { type OutputMode, printJson, reportError } from '../output.js';
import { describeProvider } from '../client-reviews.js';

const providerStatus = ['none', 'active', 'left'] as const;

function describeResources(resources: Resources): string {
  const parts = [`${resources.cpuCores} cores`, `${resources.memoryMiB} MiB`];
  if (resources.gpuCount > 0) parts.push(`${resources.gpuCount}× ${resources.gpuModel || 'GPU'}`);
  if (resources.storageGiB > 0) parts.push(`${resources.storageGiB} GiB disk`);
  parts.push(`region ${resources.region}`);
  if (resources.features & resourceFeatures.tee) parts.push('TEE');
  if (resources.features & resourceFeatures.storage) parts.push('storage');
  return parts.join(', ');
}

function positive(text: string, what: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new AgoraError(errorCodes.INVALID_ARGUMENT, `${what} must be a whole number above 0; got "${text}".`);
  return value;
}

export function registerProvider(program: Command): void {
  const provider = program.command('provider').description('sell compute: set up, register, stake, run the agent');

  provider
    .command('init')
    .description('write an agent configuration, keystore and password file for the network in the network file')
    .requiredOption('--dir <dir>', 'directory for the files and the agent data')
    .option(
      '--price <amount>',
      'price per fuel unit, in the payment token (0.000002) or in its base units (2base)',
      '0.000002',
    )
    .option('--cores <n>', 'CPU cores offered', '4')
    .option('--memory <MiB>', 'memory offered, MiB', '8192')
    .option('--region <code>', 'region code', '0')
    .option('--stake <amount>', 'stake the agent keeps bonded, in the stake token (10000)', '10000')
    .option('--network <file>', 'network file')
    .option('--json', 'print { config, keystore, address } as JSON')
    .action(
      async (raw: {
        dir: string;
        price: string;
        cores: string;
        memory: string;
        region: string;
        stake: string;
        network?: string;
        json?: boolean;
      }) => {
        const mode: OutputMode = { json: raw.json === true };
        try {
          const network = await readNetworkFile(raw.network);
          const agora = connect(network);
          const [unit, stakeUnit] = await Promise.all([agora.tokenUnit(network.token), agora.stakeUnit()]);
          const price = parseAmount(raw.price, unit, '--price');
          if (price === 0n) throw new AgoraError(errorCodes.INVALID_ARGUMENT, '--price must be above 0.');
          const stake = parseAmount(raw.stake, stakeUnit, '--stake');
          const dir = path.resolve(raw.dir);
          await mkdir(dir, { recursive: true, mode: 0o700 });
          await writeFile(path.join(dir, 'deployment.json'), JSON.stringify(network.deployment, null, 2));
          // The key: AGORA_PRIVATE_KEY when set, else a fresh one (its address needs ETH for gas and AGORA to stake).
          const key = (process.env.AGORA_PRIVATE_KEY as Hex | undefined) ?? bytesToHex(randomBytes(32));
          const { configFile } = await writeAgentFiles(dir, {
            privateKey: key,
            password: bytesToHex(randomBytes(16)),
            config: {
              rpcUrl: network.rpcUrl,
              deployment: 'deployment.json',
              dataDir: 'data',
              provider: {
                resources: {
                  cpuCores: positive(raw.cores, '--cores'),
                  memoryMiB: positive(raw.memory, '--memory'),
                  region: Number(raw.region),
                },
                stake: stake.toString(),
              },
              ask: { token: network.token, pricePerFuel: price.toString() },
              matchers: [network.matcherUrl],
              contentSources: [network.gatewayUrl],
            },
          });
          const address = privateKeyToAccount(key).address;
          if (mode.json) printJson({ config: configFile, keystore: path.join(dir, 'keystore.json'), address });
          else
            process.stdout.write(
              `provider ${address}\nconfig   ${configFile}\nnext:    agora provider start --config ${configFile}\n`,
            );
        } catch (error) {
          process.exitCode = reportError(error, mode);
        }
      },
    );

  provider
    .command('start')
    .description('run the provider agent (registers and stakes if needed) until Ctrl-C')
    .requiredOption('--config <file>', 'agent configuration (agora provider init writes one)')
    .option('--log-level <level>', 'log level', 'info')
    .action(async (raw: { config: string; logLevel: string }) => {
      try {
        const agent = await startAgent(await loadConfig(raw.config), {
          logger: createLogger({ name: 'agora-agent', level: raw.logLevel }),
        });
        const stop = () => void agent.stop().then(() => process.exit(0));
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      } catch (error) {
        process.exitCode = reportError(error, { json: false });
      }
    });

  provider
    .command('stake')
    .description('bond more AGORA (approving the registry first)')
    .argument('<amount>', 'an amount of the stake token (1000) or of its base units (…base)')
    .option('--network <file>', 'network file')
    .option('--json', 'print as JSON')
    .action(async (amount: string, raw: { network?: string; json?: boolean }) => {
      const mode: OutputMode = { json: raw.json === true };
      try {
        const agora = connect(await readNetworkFile(raw.network));
        const stakeUnit = await agora.stakeUnit();
        const stake = parseAmount(amount, stakeUnit);
        if (stake === 0n) throw new AgoraError(errorCodes.INVALID_ARGUMENT, 'The amount must be above 0.');
        const receipt = await agora.stake(stake);
        const state = await agora.provider(agora.account);
        if (mode.json)
          printJson({ transactionHash: receipt.transactionHash, bonded: amountJson(state.bonded, stakeUnit) });
        else
          process.stdout.write(`staked: ${receipt.transactionHash}; bonded ${formatAmount(state.bonded, stakeUnit)}\n`);
      } catch (error) {
        process.exitCode = reportError(error, mode);
      }
    });

  provider
    .command('show')
    .description("a provider's registration and stake, its review score and its protocol record side by side")
    .argument('[address]', 'provider address (default: your key)')
    .option('--network <file>', 'network file')
    .option('--json', 'print as JSON')
    .action(async (address: string | undefined, raw: { network?: string; json?: boolean }) => {
      const mode: OutputMode = { json: raw.json === true };
      try {
        if (address !== undefined && !isAddress(address))
          throw new AgoraError(errorCodes.INVALID_ARGUMENT, `Not an address: "${address}".`);
        const network = await readNetworkFile(raw.network);
        const agora = connect(network);
        const who: Address = address ?? agora.account;
        const [{ registration: state, reviews, objective, latestReviews }, stakeUnit] = await Promise.all([
          describeProvider(network, agora, who),
          agora.stakeUnit(),
        ]);
        if (providerStatus[state.status] === 'none') {
          throw new AgoraError(
            errorCodes.PROVIDER_NOT_ELIGIBLE,
            `${who} has never registered as a provider on this network: agora provider init and provider start register one.`,
          );
        }
        const shown = {
          address: who,
          status: providerStatus[state.status] ?? String(state.status),
          bonded: amountJson(state.bonded, stakeUnit),
          unbonding: amountJson(state.unbonding, stakeUnit),
          jailedUntil: state.jailedUntil === 0 ? null : new Date(state.jailedUntil * 1000).toISOString(),
          resources: state.resources,
          metadataCid: state.metadataCid,
          reviews,
          objective,
          latestReviews,
        };
        if (mode.json) {
          printJson(shown);
          return;
        }
        const lines = [
          `address      ${shown.address}`,
          `status       ${shown.status}${shown.jailedUntil ? ` (jailed until ${shown.jailedUntil})` : ''}`,
          `bonded       ${formatAmount(state.bonded, stakeUnit)}${state.unbonding ? `, ${formatAmount(state.unbonding, stakeUnit)} unbonding` : ''}`,
          `resources    ${describeResources(decodeResources(shown.resources))}`,
          '',
          `reviews      ${reviews.count === 0 ? 'none yet' : `${reviews.weightedMean!.toFixed(2)} ★ weighted mean of ${reviews.count}, ranked ${reviews.lowerBound!.toFixed(2)} ★ (95 % lower bound)`}`,
          `  stars      ${reviews.stars.map((count, star) => `${star + 1}★ ${count}`).join('  ')}`,
          `protocol     ${objective.reliability === null ? 'no activity yet' : `${(objective.reliability * 100).toFixed(1)} % of obligations met, ranked ${(objective.lowerBound! * 100).toFixed(1)} % (95 % lower bound)`}`,
          `  tasks      ${objective.tasksPaid} paid, ${objective.tasksSlashed} slashed, ${objective.tasksFailed} failed`,
          `  storage    ${objective.storageProofs} proofs, ${objective.storageMisses} missed`,
        ];
        for (const review of latestReviews) {
          lines.push(
            '',
            `${'★'.repeat(review.rating)}${'☆'.repeat(5 - review.rating)}  by ${review.client} for ${review.subject} ${review.subject === 'deal' ? BigInt(review.subjectId).toString() : review.subjectId}`,
            `  ${review.text ?? '(text not available from the gateway)'}`,
          );
          if (review.response !== null) lines.push(`  ↳ provider: ${review.response}`);
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      } catch (error) {
        process.exitCode = reportError(error, mode);
      }
    });
}
