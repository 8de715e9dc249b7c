import {
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
  encodeFunctionData,
  keccak256,
  parseEther,
  toHex,
  zeroAddress,
  zeroHash,
} from 'viem';
import { z } from 'zod';

import { AgoraError, errorCodes } from './errors.js';
import {
  agoraTimelockAbi,
  agoraTimelockBytecode,
  agoraTokenAbi,
  agoraTokenBytecode,
  computeMarketAbi,
  computeMarketBytecode,
  replicaPoolAbi,
  replicaPoolBytecode,
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
  /**
   * Who may propose changes to the timelock that owns every parameter (the governor in production). Defaults to the
   * deployer. Anyone may execute a proposal once its delay has passed.
   */
  proposer: address.optional(),
  /**
   * How long every change waits in the timelock, in seconds: at least `AgoraTimelock.MIN_DELAY` (15 days), a day
   * longer than the longest unbonding period, so users can leave before a change they dislike lands.
   */
  timelockDelay: z
    .number()
    .int()
    .min(15 * 24 * 3600, 'must be at least 15 days (1,296,000 s), longer than any unbonding period')
    .default(15 * 24 * 3600),
  /** Receives protocol fees and slashed stake. Defaults to the timelock. */
  treasury: address.optional(),
  /** Payment tokens to allowlist. With `devToken`, the test stablecoin is added. */
  paymentTokens: z.array(address).default([]),
  /** Deploy the DEVELOPMENT ONLY test stablecoin (anyone can mint it). */
  devToken: z.boolean().default(false),
  /** AGORA minted to the deployer, who hands it out (in production, to the treasury and the distribution). */
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
  /**
   * The stake that buys a whole ticket in the draw of replicated seats: a member is drawn in proportion to its bonded
   * stake up to this much, so stake above it buys no more seats.
   */
  seatStake: z.bigint().positive().default(parseEther('10000')),
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
  /** The timelock that owns every parameter, allowlist and role. */
  owner: address,
  /** Who may propose changes to the timelock. */
  proposer: address,
  treasury: address,
  /** First block that holds Agora events: where an indexer starts. */
  startBlock: z.number().int(),
  contracts: z.object({
    agoraToken: address,
    providerRegistry: address,
    computeMarket: address,
    /** The verifier of replicated tasks with several replicas, created by the market: their commits and reveals go here. */
    replicatedVerifier: address,
    /** Where the seats of replicated tasks are drawn from (providers join it per payment token). */
    replicaPool: address,
    storageMarket: address,
    reviews: address,
    timelock: address,
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
 * Deploys the timelock, token, registry, compute and storage markets and the review contract to whatever chain the
 * clients point at. The timelock owns every contract from its constructor; it wires them together (the market may
 * slash and mirrors providers' standing, payment tokens are allowlisted) in one batch with no delay, whose last call
 * raises its delay to `timelockDelay`, and then hands the proposer role to `proposer`. The deployer keeps no role
 * unless it is the proposer.
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
  const proposer = config.proposer ?? deployer;

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

  const timelock = await deploy(
    'AgoraTimelock',
    walletClient.deployContract({
      abi: agoraTimelockAbi,
      bytecode: agoraTimelockBytecode,
      args: [0n, [deployer], [zeroAddress]],
    }),
  );
  const owner = timelock.address;
  const treasury = config.treasury ?? owner;

  const token = await deploy(
    'AgoraToken',
    walletClient.deployContract({
      abi: agoraTokenAbi,
      bytecode: agoraTokenBytecode,
      args: [deployer, config.tokenSupply],
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
      args: [token.address, owner, treasury, config.registry],
    }),
  );
  const pool = await deploy(
    'ReplicaPool',
    walletClient.deployContract({
      abi: replicaPoolAbi,
      bytecode: replicaPoolBytecode,
      args: [registry.address, owner, config.seatStake],
    }),
  );
  const market = await deploy(
    'ComputeMarket',
    walletClient.deployContract({
      abi: computeMarketAbi,
      bytecode: computeMarketBytecode,
      args: [registry.address, pool.address, owner, treasury, config.market],
    }),
  );

  const replicatedVerifier = await publicClient.readContract({
    address: market.address,
    abi: computeMarketAbi,
    functionName: 'verifierOf',
    args: [0],
  });

  const storageMarket = await deploy(
    'StorageMarket',
    walletClient.deployContract({
      abi: storageMarketAbi,
      bytecode: storageMarketBytecode,
      args: [registry.address, owner, treasury, config.storage],
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
  const paymentTokens = [...config.paymentTokens, ...(devToken ? [devToken.address] : [])];
  const calls: { target: Address; data: Hex }[] = [
    // The market slashes and, before any provider registers, mirrors providers' standing (it checks them from its
    // own copy).
    {
      target: registry.address,
      data: encodeFunctionData({ abi: providerRegistryAbi, functionName: 'setSlasher', args: [market.address, true] }),
    },
    {
      target: registry.address,
      data: encodeFunctionData({ abi: providerRegistryAbi, functionName: 'setMirror', args: [market.address, true] }),
    },
    ...paymentTokens.flatMap((paymentToken) => [
      {
        target: market.address,
        data: encodeFunctionData({
          abi: computeMarketAbi,
          functionName: 'setTokenAllowed',
          args: [paymentToken, true],
        }),
      },
      {
        target: storageMarket.address,
        data: encodeFunctionData({
          abi: storageMarketAbi,
          functionName: 'setTokenAllowed',
          args: [paymentToken, true],
        }),
      },
    ]),
  ];
  if (proposer !== deployer) {
    for (const role of ['PROPOSER_ROLE', 'CANCELLER_ROLE'] as const) {
      const id = keccak256(toHex(role));
      calls.push(
        {
          target: timelock.address,
          data: encodeFunctionData({ abi: agoraTimelockAbi, functionName: 'grantRole', args: [id, proposer] }),
        },
        {
          target: timelock.address,
          data: encodeFunctionData({ abi: agoraTimelockAbi, functionName: 'revokeRole', args: [id, deployer] }),
        },
      );
    }
  }
  // Last: from here on every change waits the full delay.
  calls.push({
    target: timelock.address,
    data: encodeFunctionData({
      abi: agoraTimelockAbi,
      functionName: 'updateDelay',
      args: [BigInt(config.timelockDelay)],
    }),
  });
  const batch = [calls.map((call) => call.target), calls.map(() => 0n), calls.map((call) => call.data)] as const;
  const salt = keccak256(toHex('agora deployment'));
  await send(
    'scheduling the wiring in the timelock',
    walletClient.writeContract({
      address: timelock.address,
      abi: agoraTimelockAbi,
      functionName: 'scheduleBatch',
      args: [...batch, zeroHash, salt, 0n],
    }),
  );
  await send(
    'wiring the contracts through the timelock',
    walletClient.writeContract({
      address: timelock.address,
      abi: agoraTimelockAbi,
      functionName: 'executeBatch',
      args: [...batch, zeroHash, salt],
    }),
  );

  return {
    chainId: await publicClient.getChainId(),
    deployer,
    owner,
    proposer,
    treasury,
    startBlock: timelock.blockNumber,
    contracts: {
      agoraToken: token.address,
      providerRegistry: registry.address,
      computeMarket: market.address,
      replicatedVerifier,
      replicaPool: pool.address,
      storageMarket: storageMarket.address,
      reviews: reviews.address,
      timelock: timelock.address,
      ...(devToken ? { testStablecoin: devToken.address } : {}),
    },
    paymentTokens: paymentTokens.filter((tokenAddress) => tokenAddress !== zeroAddress),
  };
}
