import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { AgoraError, errorCodes } from '../errors.js';

/** Anvil's well-known development keys (mnemonic "test test … junk"). Never use them on a real network. */
export const anvilDevKeys = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
  '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
] as const satisfies readonly `0x${string}`[];

export type Anvil = {
  rpcUrl: string;
  /** The same node over a WebSocket (anvil serves both on one port): what long-running services should use. */
  wsUrl: string;
  port: number;
  /** Stops the node and waits until it has exited. */
  stop: () => Promise<void>;
};

export type StartAnvilParameters = {
  /** Seconds between blocks; automine (a block per transaction) when absent. */
  blockTime?: number;
  chainId?: number;
  /** Milliseconds to wait for the node to listen. */
  timeoutMs?: number;
};

/** The anvil binary that the `@foundry-rs/anvil` npm package ships. */
export function anvilBinary(): string {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('@foundry-rs/anvil-linux-amd64/package.json');
  return join(dirname(packageJson), 'bin', 'anvil');
}

/**
 * Starts a fresh anvil on a port the OS picks and resolves once it listens.
 * @example
 * const anvil = await startAnvil(); try { ... } finally { await anvil.stop() }
 */
export async function startAnvil({
  blockTime,
  chainId = 31337,
  timeoutMs = 15_000,
}: StartAnvilParameters = {}): Promise<Anvil> {
  const args = ['--port', '0', '--host', '127.0.0.1', '--chain-id', String(chainId)];
  if (blockTime !== undefined) args.push('--block-time', String(blockTime));
  // The last 1,024 states stay in memory and older ones are dropped: by default anvil writes them to disk, and every
  // call and every block then costs more the longer the chain is (an eth_call took 15 times the CPU after 3,000
  // blocks). Calls at blocks older than that fail; nothing here reads state that old.
  args.push('--prune-history', '1024');
  // The EVM the contracts are compiled for (foundry.toml's evm_version). It also keeps anvil from writing every block's
  // parent hash into the EIP-2935 history contract (from Prague on): anvil recomputes the whole state root for each
  // block, so those 8,191 ring-buffer words made every block dearer as the chain grew (measured on a bare anvil: an
  // empty block took 1.2 ms with no stored words, 5 ms with 2,000, 14.6 ms with 10,000).
  args.push('--hardfork', 'cancun');
  let child: ChildProcess;
  try {
    child = spawn(anvilBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (cause) {
    throw new AgoraError(errorCodes.ANVIL_FAILED, 'Could not start anvil.', { cause });
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new AgoraError(errorCodes.ANVIL_FAILED, `anvil did not start within ${timeoutMs} ms.`, { details: output }),
      );
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Listening on [\d.]+:(\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new AgoraError(errorCodes.ANVIL_FAILED, `anvil exited with code ${code} before listening.`, {
          details: output,
        }),
      );
    });
  });

  return {
    rpcUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
