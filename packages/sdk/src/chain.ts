// A viem chain for any EVM network Agora runs on, from what a deployment knows: its id and an RPC URL.
import { type Chain, defineChain } from 'viem';

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
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}
