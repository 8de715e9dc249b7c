// Content on the gateway, through the dashboard server's /gateway.
import { CID } from 'multiformats/cid';
import { type Hex, bytesToHex } from 'viem';

/** Stores bytes on the gateway; returns their CID as the bytes a contract takes. */
export async function putBytes(bytes: Uint8Array): Promise<Hex> {
  const response = await fetch('/gateway/ipfs', { method: 'POST', body: bytes as Uint8Array<ArrayBuffer> });
  const body = (await response.json()) as { cid?: string; error?: { message: string } };
  if (!response.ok || !body.cid)
    throw new Error(`The gateway refused the upload: ${body.error?.message ?? response.status}`);
  return bytesToHex(CID.parse(body.cid).bytes);
}

export function putText(text: string): Promise<Hex> {
  return putBytes(new TextEncoder().encode(text));
}
