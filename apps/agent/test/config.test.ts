import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resourceFeatures } from '@agora/sdk';
import { loadConfig } from '../src/config.js';

const deployment = {
  chainId: 31337,
  deployer: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  owner: '0x8A791620dd6260079BF849Dc5567aDC3F2FdC318',
  proposer: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  treasury: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  startBlock: 1,
  contracts: {
    agoraToken: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    providerRegistry: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
    computeMarket: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0',
    replicatedVerifier: '0x5FC8d32690cc91D4c39d9d3abcBD16989F875707',
    replicaPool: '0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9',
    storageMarket: '0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9',
    reviews: '0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9',
    timelock: '0x8A791620dd6260079BF849Dc5567aDC3F2FdC318',
  },
  paymentTokens: [],
};

async function configFile(document: unknown): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'agora-config-'));
  await writeFile(path.join(dir, 'deployment.json'), JSON.stringify(deployment));
  const file = path.join(dir, 'agent.json');
  await writeFile(file, typeof document === 'string' ? document : JSON.stringify(document));
  return file;
}

const valid = {
  rpcUrl: 'http://127.0.0.1:8545',
  deployment: 'deployment.json',
  keystore: 'keystore.json',
  dataDir: 'data',
  provider: { resources: { cpuCores: 4, memoryMiB: 8192 }, stake: '1000000000000000000000' },
  ask: { token: '0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0', pricePerFuel: '2' },
};

describe('agent configuration', () => {
  it('fills defaults, resolves paths against the file and reads the deployment', async () => {
    const file = await configFile(valid);
    const config = await loadConfig(file);
    expect(config.dataDir).toBe(path.join(path.dirname(file), 'data'));
    expect(config.market).toBe(deployment.contracts.computeMarket);
    expect(config.provider.stake).toBe(1000n * 10n ** 18n);
    expect(config.ask.token).toBe('0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0');
    expect(config.chain).toEqual({ confirmations: 0, pollIntervalMs: 1000, reorgDepth: 64, logBatchBlocks: 2000 });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 0 });
  });

  it('registers a storage agent as offering storage: the flag, and its largest file as disk', async () => {
    const compute = await loadConfig(await configFile(valid));
    expect(compute.provider.resources).toMatchObject({ features: 0, storageGiB: 0 });
    const storage = await loadConfig(
      await configFile({
        ...valid,
        storage: { pricePerGiBPeriod: '100', maxCollateralPerGiB: '1000', maxBytes: String(3n << 30n) },
      }),
    );
    expect(storage.provider.resources).toMatchObject({ features: resourceFeatures.storage, storageGiB: 3 });
  });

  it('names every wrong field and what it accepts', async () => {
    const file = await configFile({
      ...valid,
      rpcUrl: 'ftp://node',
      ask: { token: '0x1234', pricePerFuel: '-1' },
      surprise: true,
    });
    const error = (await loadConfig(file).then(
      () => ({ code: 'accepted', message: '' }),
      (e: unknown) => e,
    )) as { code: string; message: string };
    expect(error.code).toBe('AGORA_CONFIG_INVALID');
    expect(error.message).toMatch(/rpcUrl/);
    expect(error.message).toMatch(/ask\.token: an 0x-prefixed 20-byte hex address/);
    expect(error.message).toMatch(/ask\.pricePerFuel/);
    expect(error.message).toMatch(/surprise/);
  });

  it('says so when the file is not JSON', async () => {
    const error = (await loadConfig(await configFile('{ not json')).then(
      () => ({ code: 'accepted', message: '' }),
      (e: unknown) => e,
    )) as { code: string; message: string };
    expect(error.code).toBe('AGORA_CONFIG_INVALID');
    expect(error.message).toMatch(/is not valid JSON/);
  });
});
