// `agora wallet`: what the key holds, in the wallet and in escrow, and moving money between the two.
import { AgoraError, errorCodes } from '@agora/errors';
import { type Command } from 'commander';
import { amountJson, formatAmount, parseAmount } from '@agora/sdk';
import { type Address, isAddress } from 'viem';
import { connect, readNetworkFile } from '../network-file.js';
import { type OutputMode, printJson, reportError } from '../output.js';

type Common = { network?: string; json?: boolean; token?: string; storage?: boolean };

function tokenOf(raw: Common, fallback: Address): Address {
  if (raw.token === undefined) return fallback;
  if (!isAddress(raw.token))
    throw new AgoraError(errorCodes.INVALID_ARGUMENT, `--token must be an address; got "${raw.token}".`);
  return raw.token;
}

export function registerWallet(program: Command): void {
  const wallet = program.command('wallet').description('balances, deposits into escrow, withdrawals');
  const common = (command: Command) =>
    command
      .option('--token <address>', "payment token (default: the network file's)")
      .option('--network <file>', 'network file')
      .option('--json', 'print as JSON');

  common(
    wallet.command('balance').description('ETH, payment token in the wallet and in escrow (free, locked), stake token'),
  ).action(async (raw: Common) => {
    const mode: OutputMode = { json: raw.json === true };
    try {
      const network = await readNetworkFile(raw.network);
      const agora = connect(network);
      const token = tokenOf(raw, network.token);
      const [eth, held, escrow, storage, stakeTokens] = await Promise.all([
        agora.publicClient.getBalance({ address: agora.account }),
        agora.tokenBalance(token),
        agora.escrowBalance(token),
        agora.storageBalance(token),
        agora.stakeTokenBalance(),
      ]);
      const [unit, stakeUnit] = await Promise.all([agora.tokenUnit(token), agora.stakeUnit()]);
      const ether = { symbol: 'ETH', decimals: 18 };
      if (mode.json) {
        printJson({
          address: agora.account,
          token,
          eth: amountJson(eth, ether),
          wallet: amountJson(held, unit),
          escrowFree: amountJson(escrow.free, unit),
          escrowLocked: amountJson(escrow.locked, unit),
          storageFree: amountJson(storage.free, unit),
          storageLocked: amountJson(storage.locked, unit),
          stakeTokens: amountJson(stakeTokens, stakeUnit),
        });
      } else {
        const lines = [
          ['address', agora.account],
          ['ETH', formatAmount(eth, ether)],
          ['wallet', formatAmount(held, unit)],
          ['escrow free', formatAmount(escrow.free, unit)],
          ['escrow locked', formatAmount(escrow.locked, unit)],
          ['storage free', formatAmount(storage.free, unit)],
          ['storage locked', formatAmount(storage.locked, unit)],
          ['stake token', formatAmount(stakeTokens, stakeUnit)],
        ];
        process.stdout.write(lines.map(([key, value]) => `${key?.padEnd(14)} ${value}\n`).join(''));
      }
    } catch (error) {
      process.exitCode = reportError(error, mode);
    }
  });

  for (const [name, description] of [
    ['deposit', 'move payment tokens from the wallet into escrow (approving the market first)'],
    ['withdraw', 'move free escrow balance back to the wallet'],
  ] as const) {
    common(
      wallet
        .command(name)
        .description(description)
        .argument('<amount>', 'an amount of the token (1.5) or of its base units (1500000base)')
        .option('--storage', "the storage market's escrow instead of the compute market's"),
    ).action(async (text: string, raw: Common) => {
      const mode: OutputMode = { json: raw.json === true };
      try {
        const network = await readNetworkFile(raw.network);
        const agora = connect(network);
        const token = tokenOf(raw, network.token);
        const unit = await agora.tokenUnit(token);
        const amount = parseAmount(text, unit);
        if (amount === 0n) throw new AgoraError(errorCodes.INVALID_ARGUMENT, 'The amount must be above 0.');
        const receipt = raw.storage
          ? name === 'deposit'
            ? await agora.storageDeposit(token, amount)
            : await agora.storageWithdraw(token, amount)
          : name === 'deposit'
            ? await agora.deposit(token, amount)
            : await agora.withdraw(token, amount);
        const escrow = raw.storage ? await agora.storageBalance(token) : await agora.escrowBalance(token);
        if (mode.json)
          printJson({
            action: name,
            escrow: raw.storage ? 'storage' : 'compute',
            amount: amountJson(amount, unit),
            token,
            transactionHash: receipt.transactionHash,
            escrowFree: amountJson(escrow.free, unit),
            escrowLocked: amountJson(escrow.locked, unit),
          });
        else
          process.stdout.write(
            `${name} ${formatAmount(amount, unit)}: ${receipt.transactionHash}; ${raw.storage ? 'storage' : 'compute'} escrow free ${formatAmount(escrow.free, unit)}, locked ${formatAmount(escrow.locked, unit)}\n`,
          );
      } catch (error) {
        process.exitCode = reportError(error, mode);
      }
    });
  }
}
