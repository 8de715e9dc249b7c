// Order hashing and signature checks fast enough for a matcher's ingest path. viem's `recoverTypedDataAddress`
// manages about 500 orders a second (JS big-integer curve arithmetic, a fresh type encoding per call); here the
// EIP-712 digest is written into a reused buffer with precomputed type hashes and domain separator, keccak is
// hash-wasm's WebAssembly build (a tenth of @noble/hashes' time on these short inputs: 2 µs against 21 µs for a
// bid's struct), and the curve work is libsecp256k1 compiled to WebAssembly (see secp256k1.ts). A signer's public key
// is recovered once and then kept, so later orders of the same signer take the cheaper `verify`. Measured by
// `npm run bench:matcher`.
import { createKeccak } from 'hash-wasm';
import { type Secp256k1, secp256k1 } from './secp256k1.js';
import type { Address, Hex } from 'viem';
import type { Ask, Bid } from './orders.js';

const keccakState = await createKeccak(256);
function keccak_256(data: Uint8Array): Uint8Array {
  keccakState.init();
  keccakState.update(data);
  return keccakState.digest('binary');
}

const utf8 = new TextEncoder();
const keccakText = (text: string) => keccak_256(utf8.encode(text));

const askTypeHash = keccakText(
  'Ask(address provider,address token,uint256 pricePerFuel,uint256 resources,uint32 modes,uint32 volume,uint64 expiry,uint64 nonce)',
);
const bidTypeHash = keccakText(
  'Bid(address client,address token,bytes appCid,bytes inputCid,uint64 maxFuel,uint256 maxPricePerFuel,uint8 replicas,uint8 quorum,uint8 mode,uint64 deadline,uint64 nonce,bytes32 encryptionKey,address matcher)',
);
const domainTypeHash = keccakText('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)');

/** Half the curve order: signatures with a larger `s` are malleable copies, and OpenZeppelin's ECDSA refuses them. */
const halfOrder = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  throw new TypeError('not a hex digit');
}

/** Writes the hex digits of `hex` (without 0x) right-aligned into `out[at, at + width)`. */
function putHex(out: Uint8Array, at: number, width: number, hex: string, from = 2): void {
  const digits = hex.length - from;
  if (digits > width * 2) throw new RangeError('value wider than its field');
  const bytes = digits >> 1;
  const odd = digits & 1;
  const start = at + width - bytes - odd;
  out.fill(0, at, start);
  let read = from;
  let write = start;
  if (odd) out[write++] = hexDigit(hex.charCodeAt(read++));
  while (read < hex.length) {
    out[write++] = (hexDigit(hex.charCodeAt(read)) << 4) | hexDigit(hex.charCodeAt(read + 1));
    read += 2;
  }
}

function putUint(out: Uint8Array, word: number, value: bigint | number): void {
  if (value < 0) throw new RangeError('negative value in an unsigned field');
  putHex(out, word * 32, 32, value.toString(16), 0);
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array((hex.length - 2) >> 1);
  putHex(out, 0, out.length, hex);
  return out;
}

/** The EIP-712 digests the compute market checks, computed without viem's generic typed-data encoder. */
export function createOrderHasher(chainId: number, market: Address) {
  const domain = new Uint8Array(5 * 32);
  domain.set(domainTypeHash, 0);
  domain.set(keccakText('Agora Compute'), 32);
  domain.set(keccakText('1'), 64);
  putUint(domain, 3, chainId);
  putHex(domain, 128, 32, market);
  const envelope = new Uint8Array(66);
  envelope[0] = 0x19;
  envelope[1] = 0x01;
  envelope.set(keccak_256(domain), 2);

  const askWords = new Uint8Array(9 * 32);
  askWords.set(askTypeHash, 0);
  const bidWords = new Uint8Array(14 * 32);
  bidWords.set(bidTypeHash, 0);

  const digestOf = (structHash: Uint8Array) => {
    envelope.set(structHash, 34);
    return keccak_256(envelope);
  };

  return {
    ask(ask: Ask): Uint8Array {
      putHex(askWords, 32, 32, ask.provider);
      putHex(askWords, 64, 32, ask.token);
      putUint(askWords, 3, ask.pricePerFuel);
      putUint(askWords, 4, ask.resources);
      putUint(askWords, 5, ask.modes);
      putUint(askWords, 6, ask.volume);
      putUint(askWords, 7, ask.expiry);
      putUint(askWords, 8, ask.nonce);
      return digestOf(keccak_256(askWords));
    },
    bid(bid: Bid): Uint8Array {
      putHex(bidWords, 32, 32, bid.client);
      putHex(bidWords, 64, 32, bid.token);
      bidWords.set(keccak_256(hexBytes(bid.appCid)), 96);
      bidWords.set(keccak_256(hexBytes(bid.inputCid)), 128);
      putUint(bidWords, 5, bid.maxFuel);
      putUint(bidWords, 6, bid.maxPricePerFuel);
      putUint(bidWords, 7, bid.replicas);
      putUint(bidWords, 8, bid.quorum);
      putUint(bidWords, 9, bid.mode);
      putUint(bidWords, 10, bid.deadline);
      putUint(bidWords, 11, bid.nonce);
      putHex(bidWords, 384, 32, bid.encryptionKey);
      putHex(bidWords, 416, 32, bid.matcher);
      return digestOf(keccak_256(bidWords));
    },
  };
}

export type OrderHasher = ReturnType<typeof createOrderHasher>;

function addressOfPublicKey(uncompressed: Uint8Array): string {
  const hash = keccak_256(uncompressed.subarray(1));
  let text = '';
  for (let i = 12; i < 32; i++) text += (hash[i] as number).toString(16).padStart(2, '0');
  return text;
}

/**
 * Checks 65-byte `r ‖ s ‖ v` signatures the way the market's `ECDSA.tryRecover` does (low `s`, `v` of 27 or 28),
 * remembering each signer's public key. Holds at most `maxSigners` keys, dropping the oldest.
 */
export function createSignatureVerifier({
  maxSigners = 100_000,
  curve = secp256k1(),
}: { maxSigners?: number; curve?: Secp256k1 } = {}) {
  const publicKeys = new Map<string, Uint8Array>();
  const compact = new Uint8Array(64);

  return {
    /** True when `signature` is `signer`'s over `digest`. Never throws on malformed input: it is simply not valid. */
    verify(signer: Address, digest: Uint8Array, signature: Hex): boolean {
      if (signature.length !== 132) return false;
      let v: number;
      try {
        putHex(compact, 0, 64, signature.slice(0, 130));
        v = hexDigit(signature.charCodeAt(130)) * 16 + hexDigit(signature.charCodeAt(131));
      } catch {
        return false;
      }
      if (v !== 27 && v !== 28) return false;
      if (BigInt(`0x${signature.slice(66, 130)}`) > halfOrder) return false;
      const key = signer.slice(2).toLowerCase();
      const known = publicKeys.get(key);
      if (known) return curve.verify(digest, known, compact);
      const recovered = curve.recover(digest, compact, (v - 27) as 0 | 1);
      if (!recovered || addressOfPublicKey(recovered) !== key) return false;
      if (publicKeys.size >= maxSigners) {
        const oldest = publicKeys.keys().next();
        if (!oldest.done) publicKeys.delete(oldest.value);
      }
      publicKeys.set(key, recovered);
      return true;
    },
  };
}

export type SignatureVerifier = ReturnType<typeof createSignatureVerifier>;
