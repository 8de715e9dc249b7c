import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { type Address, createPublicClient, getAddress, http, keccak256, toHex, zeroAddress, zeroHash } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { deploymentSchema } from '../src/deploy.js';
import {
  agoraTimelockAbi,
  computeMarketAbi,
  replicaPoolAbi,
  providerRegistryAbi,
  storageMarketAbi,
} from '../src/generated/contracts.js';
import { type Anvil, anvilDevKeys, startAnvil } from '../src/dev/anvil.js';

const run = promisify(execFile);
const script = join(import.meta.dirname, '../src/cli/deploy.ts');
const tsx = join(import.meta.dirname, '../../../node_modules/.bin/tsx');

describe('deploy script', () => {
  let anvil: Anvil;
  beforeAll(async () => {
    anvil = await startAnvil();
  });
  afterAll(async () => {
    await anvil?.stop();
  });

  it('deploys every contract to the RPC URL and writes their addresses to the JSON file', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'agora-deploy-')), 'deployment.json');
    await run(tsx, [script, '--rpc-url', anvil.rpcUrl, '--out', out, '--dev'], {
      env: { ...process.env, AGORA_DEPLOYER_KEY: anvilDevKeys[0] },
    });
    const deployment = deploymentSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    expect(deployment.chainId).toBe(31337);
    expect(deployment.paymentTokens).toEqual([deployment.contracts.testStablecoin]);
    const client = createPublicClient({ transport: http(anvil.rpcUrl) });
    for (const address of Object.values(deployment.contracts).filter((a) => a !== undefined)) {
      expect((await client.getCode({ address }))?.length ?? 0).toBeGreaterThan(2);
    }
  });

  it('leaves every power with the timelock alone, behind a delay longer than any unbonding', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'agora-deploy-')), 'deployment.json');
    await run(tsx, [script, '--rpc-url', anvil.rpcUrl, '--out', out, '--dev'], {
      env: { ...process.env, AGORA_DEPLOYER_KEY: anvilDevKeys[0] },
    });
    const deployment = deploymentSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    const client = createPublicClient({ transport: http(anvil.rpcUrl) });
    const { timelock, providerRegistry, computeMarket, replicaPool, storageMarket } = deployment.contracts;
    expect(deployment.owner).toBe(timelock);
    for (const [address, abi] of [
      [providerRegistry, providerRegistryAbi],
      [computeMarket, computeMarketAbi],
      [replicaPool, replicaPoolAbi],
      [storageMarket, storageMarketAbi],
    ] as const) {
      expect(await client.readContract({ address, abi, functionName: 'owner' })).toBe(getAddress(timelock));
      expect(await client.readContract({ address, abi, functionName: 'pendingOwner' })).toBe(zeroAddress);
    }
    const delay = await client.readContract({ address: timelock, abi: agoraTimelockAbi, functionName: 'getMinDelay' });
    const hasRole = (role: string, account: Address) =>
      client.readContract({
        address: timelock,
        abi: agoraTimelockAbi,
        functionName: 'hasRole',
        args: [role === 'DEFAULT_ADMIN_ROLE' ? zeroHash : keccak256(toHex(role)), account],
      });
    const { unbondingPeriod } = await client.readContract({
      address: providerRegistry,
      abi: providerRegistryAbi,
      functionName: 'params',
    });
    const maxUnbonding = await client.readContract({
      address: providerRegistry,
      abi: providerRegistryAbi,
      functionName: 'MAX_UNBONDING_PERIOD',
    });
    expect(delay).toBe(15n * 24n * 3600n);
    expect(delay).toBeGreaterThan(BigInt(maxUnbonding));
    expect(maxUnbonding).toBeGreaterThanOrEqual(unbondingPeriod);
    expect(await hasRole('DEFAULT_ADMIN_ROLE', timelock)).toBe(true);
    expect(await hasRole('DEFAULT_ADMIN_ROLE', deployment.deployer)).toBe(false);
    expect(await hasRole('EXECUTOR_ROLE', zeroAddress)).toBe(true);
    expect(await hasRole('PROPOSER_ROLE', deployment.proposer)).toBe(true);
    // The wiring went through the timelock: the market may slash and mirrors the registry.
    expect(
      await client.readContract({
        address: providerRegistry,
        abi: providerRegistryAbi,
        functionName: 'isSlasher',
        args: [computeMarket],
      }),
    ).toBe(true);
    expect(
      await client.readContract({ address: providerRegistry, abi: providerRegistryAbi, functionName: 'mirrors' }),
    ).toEqual([getAddress(computeMarket)]);
  });

  it('refuses a missing key with a clear message and writes nothing', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'agora-deploy-')), 'deployment.json');
    const env = { ...process.env };
    delete env.AGORA_DEPLOYER_KEY;
    const failure = await run(tsx, [script, '--rpc-url', anvil.rpcUrl, '--out', out], { env }).then(
      () => undefined,
      (error: { stderr: string }) => error,
    );
    expect(failure?.stderr).toMatch(
      /AGORA_INVALID_ARGUMENT[\s\S]*AGORA_DEPLOYER_KEY is not set; it must be a 0x-prefixed 32-byte hex private key/,
    );
    expect(() => readFileSync(out)).toThrow();
  });
});
