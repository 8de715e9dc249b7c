// The file that tells every command where the network is: RPC, contracts, matcher, gateway, and on a dev network
// the dev keys. `agora dev` writes it; the other commands read it (`--network`, AGORA_NETWORK, or the default).
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AgoraError, errorCodes } from '@agora/errors';
import {
  type AgoraClient,
  type AgoraWallet,
  type LanePool,
  createAgoraClient,
  createLanePool,
  deploymentSchema,
  agoraChain,
  fastLocalAccount,
  rpcTransport,
} from '@agora/sdk';
import { type Hex, createPublicClient, createWalletClient, isHex } from 'viem';
import { z } from 'zod';

const key = z.string().regex(/^0x[0-9a-fA-F]{64}$/, '32 bytes of hex') as unknown as z.ZodType<Hex>;
const url = z.url({ protocol: /^https?$/ });

export const networkFileSchema = z.object({
  name: z.string(),
  rpcUrl: url,
  chainId: z.number().int(),
  deployment: deploymentSchema,
  matcherUrl: url,
  gatewayUrl: url,
  /** The indexer's HTTP API, when the network runs one. */
  indexerUrl: url.optional(),
  /** The dashboard, when the network serves one. */
  webUrl: url.optional(),
  /** The payment token commands use unless told otherwise. */
  token: z.string().regex(/^0x[0-9a-fA-F]{40}$/) as unknown as z.ZodType<Hex>,
  /** Only on a dev network: anvil's public keys, so commands work without any key setup. */
  devKeys: z.object({ client: key, providers: z.array(key) }).optional(),
  agents: z.array(z.object({ address: z.string(), url })).default([]),
});

export type NetworkFile = z.infer<typeof networkFileSchema>;

export const defaultNetworkFile = path.join('.agora', 'network.json');

export async function writeNetworkFile(file: string, network: NetworkFile): Promise<void> {
  await writeFile(`${file}.tmp`, JSON.stringify(network, null, 2), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

export async function readNetworkFile(file?: string): Promise<NetworkFile> {
  const chosen = file ?? process.env.AGORA_NETWORK ?? defaultNetworkFile;
  let text: string;
  try {
    text = await readFile(chosen, 'utf8');
  } catch (cause) {
    throw new AgoraError(
      errorCodes.CONFIG_INVALID,
      `No network file at ${chosen}. Start a local network with \`agora dev\` (it writes ${defaultNetworkFile}), or name one with --network or AGORA_NETWORK.`,
      { cause },
    );
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (cause) {
    throw new AgoraError(errorCodes.CONFIG_INVALID, `The network file ${chosen} is not JSON.`, { cause });
  }
  const parsed = networkFileSchema.safeParse(document);
  if (!parsed.success) {
    throw new AgoraError(
      errorCodes.CONFIG_INVALID,
      `The network file ${chosen} is not valid: ${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data;
}

/**
 * An SDK client on the network, signing with AGORA_PRIVATE_KEY, or on a dev network with its client key (or
 * provider key `providerIndex`).
 */
export function connect(
  network: NetworkFile,
  { providerIndex }: { providerIndex?: number } = {},
): AgoraClient & { wallet: AgoraWallet; lanes: LanePool; close: () => Promise<void> } {
  const fromEnv = process.env.AGORA_PRIVATE_KEY;
  let privateKey: Hex | undefined;
  if (fromEnv !== undefined) {
    if (!isHex(fromEnv) || fromEnv.length !== 66) {
      throw new AgoraError(errorCodes.CONFIG_INVALID, 'AGORA_PRIVATE_KEY must be 0x followed by 64 hex digits.');
    }
    privateKey = fromEnv;
  } else if (network.devKeys) {
    privateKey = providerIndex === undefined ? network.devKeys.client : network.devKeys.providers[providerIndex];
  }
  if (!privateKey) {
    throw new AgoraError(
      errorCodes.CONFIG_INVALID,
      'No key: set AGORA_PRIVATE_KEY (the network file has no dev keys).',
    );
  }
  const chain = agoraChain({ chainId: network.chainId, rpcUrl: network.rpcUrl, name: network.name });
  const { transport, close } = rpcTransport(network.rpcUrl, { retryCount: 1 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 100 });
  const wallet: AgoraWallet = createWalletClient({ account: fastLocalAccount(privateKey), chain, transport });
  const client = createAgoraClient({ publicClient, wallet, deployment: network.deployment });
  // The lanes this connection's bids go in, reused once their tasks are settled.
  const lanes = createLanePool({ client: wallet.account.address, laneState: client.laneState });
  /** Closes the connection: needed only for a ws(s) RPC URL, whose socket keeps the process alive. */
  return { ...client, wallet, lanes, close };
}
