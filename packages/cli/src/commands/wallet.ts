// `agora wallet`: what the key holds, in the wallet and in escrow, and moving money between the two.
import { AgoraError, errorCodes } from '@agora/errors';
import { type Command } from 'commander';
import { type Address, formatEther, isAddress } from 'viem';
import { connect, readNetworkFile } from '../network-file.js';
import { type OutputMode, printJson, reportError } from '../output.js';

type Common = { network?: string; json?: boolean; token?: string };

function amountOf(text: string): bigint {
  if (!/^[0-9]+$/.test(text)) {
    throw new AgoraError(
      errorCodes.INVALID_ARGUMENT,
      `The amount must be a whole number of base units; got "${text}".`,
    );
  }
  const amount = BigInt(text);
  if (amount === 0n) throw new AgoraError(errorCodes.INVALID_ARGUMENT, 'The amount must be above 0.');
  return amount;
}

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
      const [eth, held, escrow, stakeTokens] = await Promise.all([
        agora.publicClient.getBalance({ address: agora.account }),
        agora.tokenBalance(token),
        agora.escrowBalance(token),
        agora.stakeTokenBalance(),
      ]);
      const balance = {
        address: agora.account,
        token,
        eth,
        wallet: held,
        escrowFree: escrow.free,
        escrowLocked: escrow.locked,
        stakeTokens,
      };
      if (mode.json) printJson(balance);
      else {
        process.stdout.write(
          `address        ${balance.address}\nETH            ${formatEther(eth)}\nwallet         ${held}\nescrow free    ${escrow.free}\nescrow locked  ${escrow.locked}\nAGORA          ${formatEther(stakeTokens)}\n`,
        );
      }
    } catch (error) {
      process.exitCode = reportError(error, mode);
    }
  });

  for (const [name, description] of [
    ['deposit', 'move payment tokens from the wallet into escrow (approving the market first)'],
    ['withdraw', 'move free escrow balance back to the wallet'],
  ] as const) {
    common(wallet.command(name).description(description).argument('<amount>', 'base units of the token')).action(
      async (text: string, raw: Common) => {
        const mode: OutputMode = { json: raw.json === true };
        try {
          const amount = amountOf(text);
          const network = await readNetworkFile(raw.network);
          const agora = connect(network);
          const token = tokenOf(raw, network.token);
          const receipt = name === 'deposit' ? await agora.deposit(token, amount) : await agora.withdraw(token, amount);
          const escrow = await agora.escrowBalance(token);
          const done = {
            action: name,
            amount,
            token,
            transactionHash: receipt.transactionHash,
            escrowFree: escrow.free,
            escrowLocked: escrow.locked,
          };
          if (mode.json) printJson(done);
          else
            process.stdout.write(
              `${name} ${amount}: ${receipt.transactionHash}; escrow free ${escrow.free}, locked ${escrow.locked}\n`,
            );
        } catch (error) {
          process.exitCode = reportError(error, mode);
        }
      },
    );
  }
}
