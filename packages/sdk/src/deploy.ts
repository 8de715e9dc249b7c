import {
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
  parseEther,
  zeroAddress,
} from 'viem';
import { z } from 'zod';

import { AgoraError, errorCodes } from './errors.js';
import {
  agoraTokenAbi,
  agoraTokenBytecode,
  computeMarketAbi,
  computeMarketBytecode,
  providerRegistryAbi,
  providerRegistryBytecode,
  storageMarketAbi,
  storageMarketBytecode,
  reviewsAbi,
  reviewsBytecode,
  testStablecoinAbi,
  testStablecoinBytecode,
} from './generated/contracts.js';

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an 0x-prefixed 20-byte hex address') as z.ZodType<Address>;

/** Deployment parameters; every field has a sensible development default. */
export const deployOptionsSchema = z.object({
  /** Final owner of every parameter (the governance timelock in production). Defaults to the deployer. */
  owner: address.optional(),
  /** Receives protocol fees and slashed stake. Defaults to the owner. */
  treasury: address.optional(),
  /** Payment tokens to allowlist. With `devToken`, the test stablecoin is added. */
  paymentTokens: z.array(address).default([]),
  /** Deploy the DEVELOPMENT ONLY test stablecoin (anyone can mint it). */
  devToken: z.boolean().default(false),
  tokenSupply: z.bigint().positive().default(parseEther('1000000000')),
  registry: z
    .object({
      unbondingPeriod: z
        .number()
        .int()
        .default(7 * 24 * 3600),
      slashBps: z.number().int().default(1000),
      jailDuration: z
        .number()
        .int()
        .default(24 * 3600),
    })
    .default({ unbondingPeriod: 7 * 24 * 3600, slashBps: 1000, jailDuration: 24 * 3600 }),
  market: z
    .object({
      protocolFeeBps: z.number().int().default(100),
      matcherFeeBps: z.number().int().default(50),
      commitWindow: z.number().int().default(600),
      revealWindow: z.number().int().default(600),
      /** Stake a provider needs in the registry to be matched by this market. */
      minStake: z.bigint().positive().default(parseEther('1000')),
    })
    .default({
      protocolFeeBps: 100,
      matcherFeeBps: 50,
      commitWindow: 600,
      revealWindow: 600,
      minStake: parseEther('1000'),
    }),
  storage: z
    .object({
      protocolFeeBps: z.number().int().default(100),
      matcherFeeBps: z.number().int().default(50),
      /** Share of a forfeited collateral paid to the client; the rest rewards whoever repairs the slot. */
      compensationBps: z.number().int().default(5000),
      /** A storage period, in blocks: each replica proves once per period. */
      periodBlocks: z.number().int().default(600),
      /** The proof window at the end of each period, in blocks (at most 256). */
      windowBlocks: z.number().int().default(100),
      minStake: z.bigint().positive().default(parseEther('1000')),
    })
    .default({
      protocolFeeBps: 100,
      matcherFeeBps: 50,
      compensationBps: 5000,
      periodBlocks: 600,
      windowBlocks: 100,
      minStake: parseEther('1000'),
    }),
});

export type DeployOptions = z.input<typeof deployOptionsSchema>;

export const deploymentSchema = z.object({
  chainId: z.number().int(),
  deployer: address,
  owner: address,
  treasury: address,
  /** First block that holds Agora events: where an indexer starts. */
  startBlock: z.number().int(),
  contracts: z.object({
    agoraToken: address,
    providerRegistry: address,
    computeMarket: address,
    storageMarket: address,
    reviews: address,
    testStablecoin: address.optional(),
  }),
  paymentTokens: z.array(address),
});

/** Addresses of a deployed Agora network, as written to the deployment JSON file. */
export type Deployment = z.infer<typeof deploymentSchema>;

export type DeployAgoraParameters = {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  options?: DeployOptions;
};

/**
 * Deploys the token, registry, compute and storage markets and the review contract to whatever chain the clients point at, wires them together
 * (the market may slash; payment tokens are allowlisted) and hands ownership to `owner`.
 * @returns The deployment record, ready to be written as JSON.
 * @example
 * const deployment = await deployAgora({ publicClient, walletClient, options: { devToken: true } })
 */
export async function deployAgora({ publicClient, walletClient, options }: DeployAgoraParameters): Promise<Deployment> {
  const parsed = deployOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    throw new AgoraError(errorCodes.INVALID_ARGUMENT, 'Invalid deploy options.', {
      details: z.prettifyError(parsed.error),
    });
  }
  const config = parsed.data;
  const deployer = walletClient.account.address;
  const owner = config.owner ?? deployer;
  const treasury = config.treasury ?? owner;

  const send = async (what: string, hash: Promise<Hex>) => {
    try {
      const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash });
      if (receipt.status !== 'success') throw new Error(`transaction ${receipt.transactionHash} reverted`);
      return receipt;
    } catch (cause) {
      throw new AgoraError(errorCodes.DEPLOY_FAILED, `Deploying Agora failed while ${what}.`, { cause });
    }
  };
  const deploy = async (what: string, hash: Promise<Hex>) => {
    const receipt = await send(`deploying ${what}`, hash);
    if (!receipt.contractAddress) {
      throw new AgoraError(errorCodes.DEPLOY_FAILED, `Deploying ${what} returned no contract address.`);
    }
    return { address: receipt.contractAddress, blockNumber: Number(receipt.blockNumber) };
  };

  const token = await deploy(
    'AgoraToken',
    walletClient.deployContract({
      abi: agoraTokenAbi,
      bytecode: agoraTokenBytecode,
      args: [owner, config.tokenSupply],
    }),
  );
  const devToken = config.devToken
    ? await deploy(
        'TestStablecoin',
        walletClient.deployContract({ abi: testStablecoinAbi, bytecode: testStablecoinBytecode }),
      )
    : undefined;
  const registry = await deploy(
    'ProviderRegistry',
    walletClient.deployContract({
      abi: providerRegistryAbi,
      bytecode: providerRegistryBytecode,
      args: [token.address, deployer, treasury, config.registry],
    }),
  );
  const market = await deploy(
    'ComputeMarket',
    walletClient.deployContract({
      abi: computeMarketAbi,
      bytecode: computeMarketBytecode,
      args: [registry.address, deployer, treasury, config.market],
    }),
  );

  const storageMarket = await deploy(
    'StorageMarket',
    walletClient.deployContract({
      abi: storageMarketAbi,
      bytecode: storageMarketBytecode,
      args: [registry.address, deployer, treasury, config.storage],
    }),
  );

  const reviews = await deploy(
    'Reviews',
    walletClient.deployContract({
      abi: reviewsAbi,
      bytecode: reviewsBytecode,
      args: [market.address, storageMarket.address],
    }),
  );
  await send(
    'letting the review contract spend review rights',
    walletClient.writeContract({
      address: market.address,
      abi: computeMarketAbi,
      functionName: 'setReviewModule',
      args: [reviews.address],
    }),
  );

  await send(
    'authorizing the market to slash',
    walletClient.writeContract({
      address: registry.address,
      abi: providerRegistryAbi,
      functionName: 'setSlasher',
      args: [market.address, true],
    }),
  );
  // Before any provider registers: the market checks providers' standing from its mirror of the registry.
  await send(
    "letting the market mirror providers' standing",
    walletClient.writeContract({
      address: registry.address,
      abi: providerRegistryAbi,
      functionName: 'setMirror',
      args: [market.address, true],
    }),
  );
  const paymentTokens = [...config.paymentTokens, ...(devToken ? [devToken.address] : [])];
  for (const paymentToken of paymentTokens) {
    await send(
      `allowlisting payment token ${paymentToken}`,
      walletClient.writeContract({
        address: market.address,
        abi: computeMarketAbi,
        functionName: 'setTokenAllowed',
        args: [paymentToken, true],
      }),
    );
    await send(
      `allowlisting payment token ${paymentToken} for storage`,
      walletClient.writeContract({
        address: storageMarket.address,
        abi: storageMarketAbi,
        functionName: 'setTokenAllowed',
        args: [paymentToken, true],
      }),
    );
  }
  if (owner !== deployer) {
    // Ownable2Step: the new owner (the timelock) accepts in its own transaction.
    for (const [what, target, abi] of [
      ['registry', registry.address, providerRegistryAbi],
      ['market', market.address, computeMarketAbi],
      ['storage market', storageMarket.address, storageMarketAbi],
    ] as const) {
      await send(
        `offering ${what} ownership to ${owner}`,
        walletClient.writeContract({ address: target, abi, functionName: 'transferOwnership', args: [owner] }),
      );
    }
  }

  return {
    chainId: await publicClient.getChainId(),
    deployer,
    owner,
    treasury,
    startBlock: token.blockNumber,
    contracts: {
      agoraToken: token.address,
      providerRegistry: registry.address,
      computeMarket: market.address,
      storageMarket: storageMarket.address,
      reviews: reviews.address,
      ...(devToken ? { testStablecoin: devToken.address } : {}),
    },
    paymentTokens: paymentTokens.filter((tokenAddress) => tokenAddress !== zeroAddress),
  };
}
