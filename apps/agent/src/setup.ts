// Making the account a provider the market will match: registered with the configured resources and profile,
// and bonded with at least the configured stake. Each step happens only when the chain says it is needed, so
// starting the agent again changes nothing.
import { AgoraError, errorCodes } from '@agora/errors';
import { agoraTokenAbi, providerRegistryAbi } from '@agora/sdk';
import { type Address, type Hex, formatEther } from 'viem';
import type { AgentChain } from './chain.js';
import type { Logger } from '@agora/service';

const providerStatus = { none: 0, active: 1, left: 2 } as const;

export async function ensureRegisteredAndStaked(options: {
  chain: AgentChain;
  registry: Address;
  stakeToken: Address;
  resources: bigint;
  metadataCid: Hex;
  stake: bigint;
  logger: Logger;
}): Promise<{ bonded: bigint }> {
  const { chain, registry, logger } = options;
  const read = chain.publicClient.readContract;
  const provider = await read({
    address: registry,
    abi: providerRegistryAbi,
    functionName: 'providerOf',
    args: [chain.account],
  });
  if (provider.status === providerStatus.left) {
    throw new AgoraError(
      errorCodes.CONFIG_INVALID,
      `The account ${chain.account} has left the provider registry; a provider that left cannot come back with the same key.`,
    );
  }
  if (provider.status === providerStatus.none) {
    await chain.write({
      address: registry,
      abi: providerRegistryAbi,
      functionName: 'register',
      args: [options.resources, options.metadataCid],
    });
    logger.info({ provider: chain.account }, 'provider registered');
  } else {
    const [resources, metadataCid] = await read({
      address: registry,
      abi: providerRegistryAbi,
      functionName: 'profileOf',
      args: [chain.account],
    });
    if (resources !== options.resources || metadataCid.toLowerCase() !== options.metadataCid.toLowerCase()) {
      await chain.write({
        address: registry,
        abi: providerRegistryAbi,
        functionName: 'updateProfile',
        args: [options.resources, options.metadataCid],
      });
      logger.info({ provider: chain.account }, 'provider profile updated');
    }
  }
  if (provider.jailedUntil > 0) {
    const now = (await chain.publicClient.getBlock({ blockTag: 'latest' })).timestamp;
    if (BigInt(provider.jailedUntil) > now) {
      logger.warn(
        { jailedUntil: provider.jailedUntil },
        'the provider is jailed: no task can be matched to it until then',
      );
    }
  }

  const missing = options.stake - provider.bonded;
  if (missing <= 0n) return { bonded: provider.bonded };
  const balance = await read({
    address: options.stakeToken,
    abi: agoraTokenAbi,
    functionName: 'balanceOf',
    args: [chain.account],
  });
  if (balance < missing) {
    throw new AgoraError(
      errorCodes.CONFIG_INVALID,
      `Staking ${formatEther(options.stake)} AGORA needs ${formatEther(missing)} more bonded, but ${chain.account} holds ${formatEther(balance)} AGORA.`,
      { details: 'Fund the account with the stake token or lower provider.stake in the configuration.' },
    );
  }
  const allowance = await read({
    address: options.stakeToken,
    abi: agoraTokenAbi,
    functionName: 'allowance',
    args: [chain.account, registry],
  });
  if (allowance < missing) {
    await chain.write({
      address: options.stakeToken,
      abi: agoraTokenAbi,
      functionName: 'approve',
      args: [registry, missing],
    });
  }
  await chain.write({ address: registry, abi: providerRegistryAbi, functionName: 'stake', args: [missing] });
  logger.info({ staked: missing, bonded: options.stake }, 'stake topped up');
  return { bonded: options.stake };
}
