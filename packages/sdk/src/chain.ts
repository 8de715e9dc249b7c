// A viem chain for any EVM network Agora runs on, from what a deployment knows: its id and an RPC URL; and the
// transport to reach it with.
import { randomBytes } from 'node:crypto';

import { type Chain, type Transport, defineChain, http, webSocket } from 'viem';

import { AgoraError, errorCodes } from './errors.js';

const isWebSocket = (url: string) => /^wss?:\/\//i.test(url);

export function agoraChain({
  chainId,
  rpcUrl,
  name = `chain-${chainId}`,
}: {
  chainId: number;
  rpcUrl: string;
  name?: string;
}): Chain {
  return defineChain({
    id: chainId,
    name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: isWebSocket(rpcUrl) ? { http: [], webSocket: [rpcUrl] } : { http: [rpcUrl] } },
  });
}

/** A transport and what closes it: the WebSocket of a ws(s) transport keeps the process alive until closed. */
export type RpcTransport = { transport: Transport; close: () => Promise<void> };

/**
 * The transport for `rpcUrl`: http(s) or ws(s), by its scheme. A long-running service should use a WebSocket where
 * the node serves one (anvil does, on its HTTP port): a request over it costs ~0.2-0.3 ms here against ~1 ms over
 * HTTP, whose fetch machinery also costs the service's own CPU. Each call opens its own socket (viem shares one per
 * key), so closing it never cuts another service in the same process off.
 */
export function rpcTransport(rpcUrl: string, options: { retryCount?: number } = {}): RpcTransport {
  if (!isWebSocket(rpcUrl)) return { transport: http(rpcUrl, options), close: () => Promise.resolve() };
  const socket = webSocket(rpcUrl, { ...options, key: `agora-${randomBytes(8).toString('hex')}` });
  let closed = false;
  let used = false;
  // After `close`, a request fails instead of quietly opening (and leaving open) a new socket.
  const transport: Transport = (parameters) => {
    const inner = socket(parameters);
    return {
      ...inner,
      request: async (args, requestOptions) => {
        if (closed) throw new AgoraError(errorCodes.SERVICE_UNAVAILABLE, `The connection to ${rpcUrl} was closed.`);
        used = true;
        return inner.request(args, requestOptions);
      },
    };
  };
  return {
    transport,
    async close() {
      closed = true;
      // No request, no socket: asking for it here would open one just to close it.
      if (!used) return;
      const client = await socket({ retryCount: 0 })
        .value?.getRpcClient()
        .catch(() => undefined);
      client?.close();
    },
  };
}
