// The dev network's faucet: a key made elsewhere (`agora provider init` makes a fresh one) gets gas, AGORA to stake
// and test dollars in one command. Only on a network `agora dev` started: the AGORA comes from its deployer's key,
// one of anvil's public dev keys, and the test dollars are minted.
import { AgoraError, errorCodes } from '@agora/errors';
import { type AmountJson, agoraChain, agoraTokenAbi, amountJson, testStablecoinAbi } from '@agora/sdk';
import { anvilDevKeys } from '@agora/sdk/dev';
import { type Address, type Hex, createPublicClient, createWalletClient, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { NetworkFile } from './network-file.js';

export type Funded = { address: Address; eth: AmountJson; stake: AmountJson; usd: AmountJson; transactions: Hex[] };

export async function fundOnDevNetwork(
  network: NetworkFile,
  address: Address,
  amounts: { eth: bigint; stake: bigint; usd: bigint },
): Promise<Funded> {
  const usd = network.deployment.contracts.testStablecoin;
  if (!network.devKeys || network.chainId !== 31337 || !usd) {
    throw new AgoraError(
      errorCodes.CONFIG_INVALID,
      'The faucet works only on a network `agora dev` started (anvil, chain 31337, with its dev keys and test dollars).',
    );
  }
  const chain = agoraChain({ chainId: network.chainId, rpcUrl: network.rpcUrl, name: network.name });
  const transport = http(network.rpcUrl);
  const publicClient = createPublicClient({ chain, transport });
  const deployer = createWalletClient({ account: privateKeyToAccount(anvilDevKeys[0]), chain, transport });
  const transactions: Hex[] = [];
  const confirm = async (hash: Hex) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') {
      throw new AgoraError(errorCodes.CONTRACT_REVERTED, `The faucet's transaction ${hash} reverted.`);
    }
    transactions.push(hash);
  };
  if (amounts.eth > 0n) await confirm(await deployer.sendTransaction({ to: address, value: amounts.eth }));
  if (amounts.stake > 0n) {
    await confirm(
      await deployer.writeContract({
        address: network.deployment.contracts.agoraToken,
        abi: agoraTokenAbi,
        functionName: 'transfer',
        args: [address, amounts.stake],
      }),
    );
  }
  if (amounts.usd > 0n) {
    await confirm(
      await deployer.writeContract({
        address: usd,
        abi: testStablecoinAbi,
        functionName: 'mint',
        args: [address, amounts.usd],
      }),
    );
  }
  const ether = { symbol: 'ETH', decimals: 18 };
  return {
    address,
    eth: amountJson(amounts.eth, ether),
    stake: amountJson(amounts.stake, { symbol: 'AGORA', decimals: 18 }),
    usd: amountJson(amounts.usd, { symbol: 'tUSD', decimals: 6 }),
    transactions,
  };
}
