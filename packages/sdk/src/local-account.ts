// A local account whose signatures come from libsecp256k1 (tiny-secp256k1's WebAssembly build) instead of viem's
// JavaScript signer: the same deterministic RFC 6979 signatures (the tests compare them with viem's), in about a third
// of the time (0.11 ms against 0.3 ms here). Services and clients sign a transaction or an order for every task.
import * as tiny from 'tiny-secp256k1';
import {
  type Hex,
  type SignableMessage,
  type Signature,
  type TypedDataDefinition,
  bytesToHex,
  hashMessage,
  hashTypedData,
  hexToBytes,
  keccak256,
  serializeSignature,
  serializeTransaction,
} from 'viem';
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';

/** viem's `privateKeyToAccount`, signing transactions, typed data and messages with libsecp256k1. */
export function fastLocalAccount(privateKey: Hex): PrivateKeyAccount {
  const account = privateKeyToAccount(privateKey);
  const key = hexToBytes(privateKey);
  const signHash = (hash: Hex): Signature => {
    const { signature, recoveryId } = tiny.signRecoverable(hexToBytes(hash), key);
    return {
      r: bytesToHex(signature.subarray(0, 32)),
      s: bytesToHex(signature.subarray(32, 64)),
      yParity: recoveryId,
      v: BigInt(27 + recoveryId),
    };
  };
  return {
    ...account,
    sign: ({ hash }) => Promise.resolve(serializeSignature(signHash(hash))),
    signMessage: ({ message }: { message: SignableMessage }) =>
      Promise.resolve(serializeSignature(signHash(hashMessage(message)))),
    signTypedData: (typedData) =>
      Promise.resolve(serializeSignature(signHash(hashTypedData(typedData as TypedDataDefinition)))),
    signTransaction: async (transaction, { serializer = serializeTransaction } = {}) => {
      // A blob transaction is signed without its sidecars (the network wrapper), as viem's own signer does.
      const signable = transaction.type === 'eip4844' ? { ...transaction, sidecars: false as const } : transaction;
      const hash = keccak256(await serializer(signable));
      return serializer(transaction, signHash(hash));
    },
  };
}
