import { createPublicClient, createWalletClient, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { agoraChain, createSerialSender, deployAgora, rpcTransport, testStablecoinAbi } from '../src/index.js';
import { type Anvil, anvilDevKeys, startAnvil } from '../src/dev/anvil.js';

describe('serial sender on anvil', () => {
  let anvil: Anvil;
  let token: `0x${string}`;
  const account = privateKeyToAccount(anvilDevKeys[1]);

  beforeAll(async () => {
    anvil = await startAnvil();
    const chain = agoraChain({ chainId: 31337, rpcUrl: anvil.rpcUrl });
    const publicClient = createPublicClient({ chain, transport: http(anvil.rpcUrl) });
    const walletClient = createWalletClient({
      account: privateKeyToAccount(anvilDevKeys[0]),
      chain,
      transport: http(anvil.rpcUrl),
    });
    const deployment = await deployAgora({ publicClient, walletClient, options: { devToken: true } });
    token = deployment.contracts.testStablecoin!;
  });
  afterAll(async () => {
    await anvil?.stop();
  });

  const connect = (rpcUrl: string) => {
    const chain = agoraChain({ chainId: 31337, rpcUrl });
    const { transport, close } = rpcTransport(rpcUrl);
    const publicClient = createPublicClient({ chain, transport });
    const walletClient = createWalletClient({ account, chain, transport });
    return { publicClient, walletClient, close };
  };
  const mint = (amount: bigint) =>
    ({ address: token, abi: testStablecoinAbi, functionName: 'mint', args: [account.address, amount] }) as const;
  const balance = (publicClient: ReturnType<typeof connect>['publicClient']) =>
    publicClient.readContract({
      address: token,
      abi: testStablecoinAbi,
      functionName: 'balanceOf',
      args: [account.address],
    });

  it('sends overlapping writes over a WebSocket in nonce order, every one mined', async () => {
    const { publicClient, walletClient, close } = connect(anvil.wsUrl);
    try {
      const sender = createSerialSender(publicClient, walletClient);
      const before = await balance(publicClient);
      const first = await publicClient.getTransactionCount({ address: account.address });
      const receipts = await Promise.all(Array.from({ length: 12 }, (_, i) => sender.send(mint(BigInt(i + 1)))));
      expect(receipts.every((receipt) => receipt.status === 'success')).toBe(true);
      const nonces = await Promise.all(
        receipts.map(async (receipt) => (await publicClient.getTransaction({ hash: receipt.transactionHash })).nonce),
      );
      expect([...nonces].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => first + i));
      expect(await balance(publicClient)).toBe(before + 78n);
    } finally {
      await close();
    }
  });

  it('takes no nonce for a write that would revert, and recovers after a transaction sent around it', async () => {
    const { publicClient, walletClient, close } = connect(anvil.rpcUrl);
    try {
      const sender = createSerialSender(publicClient, walletClient);
      const nonceOf = async (receipt: { transactionHash: `0x${string}` }) =>
        (await publicClient.getTransaction({ hash: receipt.transactionHash })).nonce;
      const first = await nonceOf(await sender.send(mint(1n)));
      const tooMuch = { ...mint(0n), functionName: 'transfer', args: [token, 10n ** 40n] } as const;
      await expect(sender.send(tooMuch)).rejects.toThrow(/ERC20InsufficientBalance/);
      expect(await nonceOf(await sender.send(mint(2n)))).toBe(first + 1);
      // Another writer takes the nonce the sender counted on: the sender's next write fails, and the one after reads
      // the nonce again.
      await walletClient.writeContract(mint(3n));
      await expect(sender.send(mint(4n))).rejects.toThrow(/nonce/i);
      expect(await nonceOf(await sender.send(mint(5n)))).toBe(first + 3);
    } finally {
      await close();
    }
  });

  it('sends a write only after the work it waits for, and sends nothing when that work fails', async () => {
    const { publicClient, walletClient, close } = connect(anvil.wsUrl);
    try {
      const sender = createSerialSender(publicClient, walletClient);
      const before = await balance(publicClient);
      const start = await publicClient.getTransactionCount({ address: account.address });
      let release: () => void = () => undefined;
      const written = new Promise<void>((resolve) => (release = resolve));
      const sent = sender.send(mint(7n), { after: written });
      // Long enough for the simulation to have answered: the write still waits.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await publicClient.getTransactionCount({ address: account.address, blockTag: 'pending' })).toBe(start);
      release();
      expect((await sent).status).toBe('success');
      expect(await balance(publicClient)).toBe(before + 7n);

      await expect(sender.send(mint(8n), { after: Promise.reject(new Error('disk full')) })).rejects.toThrow(
        'disk full',
      );
      const tooMuch = { ...mint(0n), functionName: 'transfer', args: [token, 10n ** 40n] } as const;
      await expect(sender.send(tooMuch, { after: new Promise(() => undefined) })).rejects.toThrow(
        /ERC20InsufficientBalance/,
      );
      expect(await publicClient.getTransactionCount({ address: account.address })).toBe(start + 1);
      expect(await balance(publicClient)).toBe(before + 7n);
    } finally {
      await close();
    }
  });
});
