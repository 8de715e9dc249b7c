import { keccak256, parseTransaction, recoverTransactionAddress, toHex, zeroAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';

import { bidTypes, computeMarketDomain, fastLocalAccount } from '../src/index.js';

describe('fastLocalAccount', () => {
  const keys = Array.from({ length: 20 }, (_, i) => keccak256(toHex(`key-${i}`)));

  it("signs transactions, typed data, messages and hashes exactly as viem's own account does", async () => {
    for (const [i, key] of keys.entries()) {
      const viem = privateKeyToAccount(key);
      const fast = fastLocalAccount(key);
      expect(fast.address).toBe(viem.address);
      const transaction = {
        type: 'eip1559',
        chainId: 31337,
        to: zeroAddress,
        data: toHex(`call-${i}`.repeat(i + 1)),
        gas: 100_000n + BigInt(i),
        nonce: i,
        maxFeePerGas: 2_000_000_000n,
        maxPriorityFeePerGas: 1n,
      } as const;
      const signed = await fast.signTransaction(transaction);
      expect(signed).toBe(await viem.signTransaction(transaction));
      expect(await recoverTransactionAddress({ serializedTransaction: signed as `0x02${string}` })).toBe(viem.address);
      expect(parseTransaction(signed).nonce).toBe(i);

      const typedData = {
        domain: computeMarketDomain(31337, zeroAddress),
        types: bidTypes,
        primaryType: 'Bid',
        message: {
          client: viem.address,
          token: zeroAddress,
          appCid: toHex(`app-${i}`),
          inputCid: '0x00',
          maxFuel: BigInt(i),
          maxPricePerFuel: 10n,
          replicas: 1,
          quorum: 1,
          mode: 0,
          deadline: 1_700_000_000n,
          nonce: BigInt(i),
          encryptionKey: keccak256(toHex(i)),
          matcher: viem.address,
        },
      } as const;
      expect(await fast.signTypedData(typedData)).toBe(await viem.signTypedData(typedData));
      expect(await fast.signMessage({ message: `hello ${i}` })).toBe(await viem.signMessage({ message: `hello ${i}` }));
      const hash = keccak256(toHex(i));
      expect(await fast.sign({ hash })).toBe(await viem.sign({ hash }));
    }
  });
});
