// Where the indexer reads from and writes to, from the environment the launcher (src/launcher) sets:
// AGORA_RPC_URL, AGORA_DEPLOYMENT (the deployment JSON the deploy script writes), DATABASE_URL (Postgres; PGlite
// in AGORA_INDEXER_DIR without it).
import { readFileSync } from 'node:fs';
import { deploymentSchema } from '@agora/sdk/deployment';
import {
  computeMarketAbi,
  providerRegistryAbi,
  replicatedVerifierAbi,
  reviewsAbi,
  storageMarketAbi,
} from '@agora/sdk/contracts';
import { createConfig } from 'ponder';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`The indexer needs ${name} in its environment (see apps/indexer/src/launcher).`);
  return value;
}

const deployment = deploymentSchema.parse(JSON.parse(readFileSync(required('AGORA_DEPLOYMENT'), 'utf8')));
const chain = 'agora' as const;
const startBlock = deployment.startBlock;

export default createConfig({
  database: process.env.DATABASE_URL
    ? { kind: 'postgres', connectionString: process.env.DATABASE_URL }
    : { kind: 'pglite', directory: process.env.AGORA_INDEXER_DIR ?? '.ponder/pglite' },
  chains: {
    [chain]: {
      id: deployment.chainId,
      rpc: required('AGORA_RPC_URL'),
      // A local chain restarted with the same id would otherwise be served from a stale cache.
      disableCache: true,
      pollingInterval: Number(process.env.AGORA_INDEXER_POLL_MS ?? 250),
    },
  },
  contracts: {
    ProviderRegistry: {
      abi: providerRegistryAbi,
      chain,
      address: deployment.contracts.providerRegistry,
      startBlock,
    },
    ComputeMarket: { abi: computeMarketAbi, chain, address: deployment.contracts.computeMarket, startBlock },
    ReplicatedVerifier: {
      abi: replicatedVerifierAbi,
      chain,
      address: deployment.contracts.replicatedVerifier,
      startBlock,
    },
    StorageMarket: { abi: storageMarketAbi, chain, address: deployment.contracts.storageMarket, startBlock },
    Reviews: { abi: reviewsAbi, chain, address: deployment.contracts.reviews, startBlock },
  },
});
