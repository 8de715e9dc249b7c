// Deploys Agora to any JSON-RPC URL and writes the addresses to a JSON file.
// Usage: npm run deploy -- --rpc-url URL [--out FILE] [--dev] [--proposer ADDRESS] [--treasury ADDRESS] [--payment-token ADDRESS]...
// The deployer key comes from AGORA_DEPLOYER_KEY (never a flag, so it stays out of shell history and logs).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { createPublicClient, createWalletClient, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { z } from 'zod';

import { deployAgora } from '../deploy.js';
import { AgoraError, errorCodes } from '../errors.js';

const argsSchema = z.object({
  rpcUrl: z.url({ message: 'must be an http(s) URL such as http://127.0.0.1:8545' }),
  out: z.string().min(1).default('deployments/local.json'),
  dev: z.boolean().default(false),
  proposer: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/)
    .optional(),
  treasury: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/)
    .optional(),
  paymentTokens: z.array(z.string().regex(/^0x[0-9a-fA-F]{40}$/)).default([]),
  key: z
    .string({ error: 'AGORA_DEPLOYER_KEY is not set; it must be a 0x-prefixed 32-byte hex private key' })
    .regex(/^0x[0-9a-fA-F]{64}$/, { message: 'AGORA_DEPLOYER_KEY must be a 0x-prefixed 32-byte hex private key' }),
});

async function main() {
  const { values } = parseArgs({
    options: {
      'rpc-url': { type: 'string' },
      out: { type: 'string' },
      dev: { type: 'boolean' },
      proposer: { type: 'string' },
      treasury: { type: 'string' },
      'payment-token': { type: 'string', multiple: true },
      json: { type: 'boolean' },
    },
  });
  const parsed = argsSchema.safeParse({
    rpcUrl: values['rpc-url'],
    out: values.out,
    dev: values.dev,
    proposer: values.proposer,
    treasury: values.treasury,
    paymentTokens: values['payment-token'],
    key: process.env.AGORA_DEPLOYER_KEY,
  });
  if (!parsed.success) {
    throw new AgoraError(errorCodes.INVALID_ARGUMENT, 'Invalid deploy arguments.', {
      details: z.prettifyError(parsed.error),
    });
  }
  const args = parsed.data;
  const transport = http(args.rpcUrl);
  const publicClient = createPublicClient({ transport });
  const chainId = await publicClient.getChainId();
  const chain = {
    id: chainId,
    name: `chain-${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [args.rpcUrl] } },
  };
  const walletClient = createWalletClient({
    account: privateKeyToAccount(args.key as `0x${string}`),
    chain,
    transport,
  });
  const deployment = await deployAgora({
    publicClient,
    walletClient,
    options: {
      devToken: args.dev,
      paymentTokens: args.paymentTokens,
      ...(args.proposer ? { proposer: args.proposer } : {}),
      ...(args.treasury ? { treasury: args.treasury } : {}),
    },
  });
  const out = resolve(args.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(deployment, null, 2)}\n`);
  if (values.json) console.log(JSON.stringify({ out, ...deployment }));
  else console.log(`Deployed Agora to chain ${chainId}; addresses written to ${out}`);
}

main().catch((error: unknown) => {
  if (error instanceof AgoraError) console.error(`${error.code}: ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
});
