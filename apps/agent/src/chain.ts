// The agent's connection to the chain: a public client for reads and one sender for writes. Each write is simulated
// first (a revert is reported with its custom error and costs no gas), handed over in nonce order, and awaited to
// its receipt.
import { AgoraError, errorCodes } from '@agora/errors';
import {
  type ContractWrite,
  type SendOptions,
  agoraChain,
  contractErrorOf,
  createSerialSender,
  fastLocalAccount,
  rpcTransport,
} from '@agora/sdk';
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type ContractFunctionName,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
  createPublicClient,
  createWalletClient,
} from 'viem';
import type { Logger } from '@agora/service';
import type { AgentMetrics } from './metrics.js';

export type AgentChain = {
  publicClient: PublicClient;
  account: Address;
  /**
   * Simulates and sends a write, waits for its receipt. Writes may overlap; they reach the chain in the order asked.
   * @throws AgoraError TRANSACTION_REVERTED with `details` holding the custom error's name when the call reverts
   */
  write<const abi extends Abi, name extends ContractFunctionName<abi, 'nonpayable' | 'payable'>>(
    request: ContractWrite<abi, name>,
    options?: SendOptions,
  ): Promise<TransactionReceipt>;
  /** Closes the connection (a WebSocket's; nothing for HTTP). */
  close(): Promise<void>;
};

/** The custom error a failed write reverted with (`ComputeAlreadyCommitted`, …), if it did revert with one. */
export function revertName(error: unknown): string | undefined {
  if (error instanceof AgoraError && error.code === errorCodes.TRANSACTION_REVERTED) return error.details;
  return contractErrorOf(error)?.name;
}

export async function connectChain(options: {
  rpcUrl: string;
  chainId: number;
  privateKey: Hex;
  pollingIntervalMs: number;
  logger: Logger;
  metrics: AgentMetrics;
}): Promise<AgentChain> {
  const chain: Chain = agoraChain({ chainId: options.chainId, rpcUrl: options.rpcUrl });
  const { transport, close } = rpcTransport(options.rpcUrl, { retryCount: 3 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: options.pollingIntervalMs });
  const account: Account = fastLocalAccount(options.privateKey);
  const walletClient: WalletClient<Transport, Chain, Account> = createWalletClient({ account, chain, transport });

  const actualChainId = await publicClient.getChainId().catch(async (cause: unknown) => {
    await close();
    throw new AgoraError(errorCodes.CONFIG_INVALID, `Cannot reach the chain at ${options.rpcUrl}.`, {
      cause,
      retryable: true,
    });
  });
  if (actualChainId !== options.chainId) {
    await close();
    throw new AgoraError(
      errorCodes.CONFIG_INVALID,
      `The RPC at ${options.rpcUrl} serves chain ${actualChainId}, but the deployment is on chain ${options.chainId}.`,
    );
  }

  // Writes of different tasks overlap (the sender hands them over in nonce order); a write that depends on another
  // (a reveal on its commit, a deposit on its approval) is asked for only once the other's receipt is in.
  const sender = createSerialSender(publicClient, walletClient);
  const write: AgentChain['write'] = (request, sendOptions) => {
    const send = async () => {
      const functionName = String(request.functionName);
      let receipt: TransactionReceipt;
      try {
        receipt = await sender.send(request, sendOptions);
      } catch (cause) {
        const reverted = contractErrorOf(cause);
        options.metrics.transactions.inc({ function: functionName, result: reverted ? 'reverted' : 'failed' });
        if (reverted) {
          throw new AgoraError(errorCodes.TRANSACTION_REVERTED, `${functionName} would revert with ${reverted.name}.`, {
            cause,
            details: reverted.name,
          });
        }
        throw cause;
      }
      const hash = receipt.transactionHash;
      if (receipt.status !== 'success') {
        options.metrics.transactions.inc({ function: functionName, result: 'reverted' });
        throw new AgoraError(errorCodes.TRANSACTION_REVERTED, `${functionName} reverted in ${hash}.`, {
          details: 'reverted on chain after a successful simulation',
        });
      }
      options.metrics.transactions.inc({ function: functionName, result: 'success' });
      options.logger.debug({ functionName, hash, gasUsed: receipt.gasUsed }, 'transaction mined');
      return receipt;
    };
    return send();
  };

  return { publicClient, account: account.address, write, close };
}
