// The agent's configuration file: one JSON document, validated as a whole at start so that a mistake is reported
// with its path before the agent touches the chain. Secrets are not in it: the key lives in a keystore and its
// password in a file or an environment variable.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AgoraError, errorCodes } from '@agora/errors';
import { type Deployment, deploymentSchema, resourceFeatures, verificationMode } from '@agora/sdk';
import { type Address, getAddress, isAddress } from 'viem';
import { z } from 'zod';

const address = z
  .string()
  .refine((value) => isAddress(value, { strict: false }), 'an 0x-prefixed 20-byte hex address')
  .transform((value) => getAddress(value));

/** Token amounts are decimal strings of base units, so JSON never rounds them. */
const amount = z
  .union([z.string().regex(/^\d+$/, 'a whole number of base units, as a string'), z.number().int().nonnegative()])
  .transform((value) => BigInt(value));

const httpUrl = z.url({ protocol: /^https?$/ });
/** http(s), or ws(s) where the node serves it: a service's reads and writes are several times cheaper over it. */
const rpcUrl = z.url({ protocol: /^(https?|wss?)$/ });

export const agentConfigSchema = z.strictObject({
  /** JSON-RPC endpoint of the chain (http, https, ws or wss). */
  rpcUrl,
  /** The deployment JSON `npm run deploy` writes; relative to the config file. */
  deployment: z.string().min(1),
  /** v3 keystore with the provider's key; relative to the config file. */
  keystore: z.string().min(1),
  /** A file holding the keystore's password; otherwise AGORA_KEYSTORE_PASSWORD. Relative to the config file. */
  passwordFile: z.string().min(1).optional(),
  /** Where the agent keeps its state and content; relative to the config file. */
  dataDir: z.string().min(1),
  http: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      /** 0 lets the OS pick a free port; the agent logs the one it got. */
      port: z.number().int().min(0).max(65_535).default(0),
      /** The URL clients reach this agent at, told to matchers with each ask; by default the address it listens on. */
      publicUrl: httpUrl.optional(),
    })
    .default({ host: '127.0.0.1', port: 0 }),
  chain: z
    .strictObject({
      /** Blocks an event must be under before the agent acts on it. */
      confirmations: z.number().int().min(0).max(256).default(0),
      pollIntervalMs: z.number().int().min(10).max(60_000).default(1_000),
      /** Blocks the agent re-reads after it notices a reorg (the deepest reorg it recovers from). */
      reorgDepth: z.number().int().min(1).max(10_000).default(64),
      /** Blocks per `eth_getLogs` request. */
      logBatchBlocks: z.number().int().min(1).max(100_000).default(2_000),
    })
    .default({ confirmations: 0, pollIntervalMs: 1_000, reorgDepth: 64, logBatchBlocks: 2_000 }),
  provider: z.strictObject({
    resources: z.strictObject({
      cpuCores: z.number().int().min(1).max(65_535),
      memoryMiB: z
        .number()
        .int()
        .min(1)
        .max(2 ** 32 - 1),
      gpuCount: z.number().int().min(0).max(255).default(0),
      storageGiB: z
        .number()
        .int()
        .min(0)
        .max(2 ** 32 - 1)
        .default(0),
      region: z.number().int().min(0).max(65_535).default(0),
      features: z
        .number()
        .int()
        .min(0)
        .max(2 ** 32 - 1)
        .default(0),
      gpuModel: z.string().max(15).default(''),
    }),
    /** CIDv1 (hex bytes) of the provider's public profile document; optional. */
    metadataCid: z
      .string()
      .regex(/^0x([0-9a-fA-F]{2})+$/, 'hex bytes of a CIDv1')
      .optional(),
    /** Stake the agent keeps bonded in the registry, in base units of the Agora token; it tops up to this. */
    stake: amount,
  }),
  ask: z.strictObject({
    /** Payment token; must be allowlisted by the market. */
    token: address,
    pricePerFuel: amount,
    /** Tasks one signed ask may fill before the agent signs a new one. */
    volume: z
      .number()
      .int()
      .min(1)
      .max(2 ** 32 - 1)
      .default(1_000),
    /** Lifetime of a signed ask; the agent signs the next one when a fifth of it is left. */
    ttlSeconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 24 * 3600)
      .default(3_600),
    modes: z
      .array(z.enum(Object.keys(verificationMode) as [keyof typeof verificationMode]))
      .min(1)
      .default(['replicated']),
  }),
  /** The storage role; without it the agent only computes. */
  storage: z
    .strictObject({
      /** Price per GiB stored for one period, in base units of the ask's token. */
      pricePerGiBPeriod: amount,
      /** Most collateral per GiB the agent locks for a deal (forfeited if it misses a proof). */
      maxCollateralPerGiB: amount,
      /** Largest file the agent stores. */
      maxBytes: amount.default(1n << 30n),
      maxPeriods: z
        .number()
        .int()
        .min(1)
        .max(2 ** 32 - 1)
        .default(100_000),
      /** Free balance the agent keeps in the storage market's escrow for collateral, topped up from its wallet. */
      collateral: amount.default(0n),
      /** Report other providers' missed proofs and take over their slots. */
      repair: z.boolean().default(true),
      /** Claim a deal's earnings once this many proven periods are unpaid (a claim costs gas). */
      claimEveryPeriods: z.number().int().min(1).max(10_000).default(10),
    })
    .optional(),
  /** Matchers the agent posts its signed ask to (`POST <url>/asks`); the ask is also served at `GET /ask`. */
  matchers: z.array(httpUrl).default([]),
  /** Gateways apps and inputs are fetched from, in order; every byte is checked against its CID. */
  contentSources: z.array(httpUrl).default([]),
  runtime: z
    .strictObject({
      workers: z.number().int().min(1).max(256).default(2),
      /** Wall-clock limit of one run; a run that hits it is not committed (the result would not be deterministic). */
      timeoutMs: z
        .number()
        .int()
        .min(100)
        .max(24 * 3600 * 1000)
        .default(120_000),
    })
    .default({ workers: 2, timeoutMs: 120_000 }),
  withdraw: z
    .strictObject({
      /** Earnings in escrow are withdrawn to the provider's address once they reach this (base units). */
      minAmount: amount.default(1n),
      /** Seconds between withdrawals at most. */
      intervalSeconds: z.number().int().min(0).max(86_400).default(60),
    })
    .default({ minAmount: 1n, intervalSeconds: 60 }),
});

export type AgentConfigInput = z.input<typeof agentConfigSchema>;

/** A validated configuration with paths resolved and the deployment read. */
export type AgentConfig = Omit<z.output<typeof agentConfigSchema>, 'deployment'> & {
  deployment: Deployment;
  market: Address;
  storageMarket: Address;
  registry: Address;
  stakeToken: Address;
};

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new AgoraError(errorCodes.CONFIG_INVALID, `Cannot read the ${what} ${file}.`, { cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new AgoraError(errorCodes.CONFIG_INVALID, `The ${what} ${file} is not valid JSON.`, { cause });
  }
}

/**
 * Validates a configuration document; relative paths in it are resolved against `baseDir`.
 * @throws AgoraError CONFIG_INVALID naming every field that is wrong and what it accepts
 */
export async function resolveConfig(document: unknown, baseDir: string): Promise<AgentConfig> {
  const parsed = agentConfigSchema.safeParse(document);
  if (!parsed.success) {
    throw new AgoraError(
      errorCodes.CONFIG_INVALID,
      `The agent configuration is not valid: ${describeIssues(parsed.error)}`,
    );
  }
  const config = parsed.data;
  const resolve = (file: string) => path.resolve(baseDir, file);
  const deploymentFile = resolve(config.deployment);
  const deployment = deploymentSchema.safeParse(await readJson(deploymentFile, 'deployment file'));
  if (!deployment.success) {
    throw new AgoraError(
      errorCodes.CONFIG_INVALID,
      `The deployment file ${deploymentFile} is not valid: ${describeIssues(deployment.error)}`,
    );
  }
  // What the registry says the provider offers follows its roles: a storage agent flags storage and, unless told
  // otherwise, offers the largest file it takes.
  const resources = config.storage
    ? {
        ...config.provider.resources,
        features: config.provider.resources.features | resourceFeatures.storage,
        storageGiB: config.provider.resources.storageGiB || Number((config.storage.maxBytes + (1n << 30n) - 1n) >> 30n),
      }
    : config.provider.resources;
  return {
    ...config,
    provider: { ...config.provider, resources },
    keystore: resolve(config.keystore),
    passwordFile: config.passwordFile === undefined ? undefined : resolve(config.passwordFile),
    dataDir: resolve(config.dataDir),
    deployment: deployment.data,
    market: deployment.data.contracts.computeMarket,
    storageMarket: deployment.data.contracts.storageMarket,
    registry: deployment.data.contracts.providerRegistry,
    stakeToken: deployment.data.contracts.agoraToken,
  };
}

/** Reads and validates the configuration file. */
export async function loadConfig(file: string): Promise<AgentConfig> {
  return resolveConfig(await readJson(file, 'configuration file'), path.dirname(path.resolve(file)));
}

/** The keystore password: from `passwordFile` (trailing newline dropped) or AGORA_KEYSTORE_PASSWORD. */
export async function readPassword(config: Pick<AgentConfig, 'passwordFile'>): Promise<string> {
  if (config.passwordFile !== undefined) {
    try {
      return (await readFile(config.passwordFile, 'utf8')).replace(/\r?\n$/, '');
    } catch (cause) {
      throw new AgoraError(errorCodes.CONFIG_INVALID, `Cannot read the password file ${config.passwordFile}.`, {
        cause,
      });
    }
  }
  const password = process.env.AGORA_KEYSTORE_PASSWORD;
  if (password === undefined) {
    throw new AgoraError(
      errorCodes.CONFIG_INVALID,
      'No keystore password: set passwordFile in the configuration or AGORA_KEYSTORE_PASSWORD in the environment.',
    );
  }
  return password;
}
