// The network the dashboard shows, as its server describes it at /config.json.
import type { Address, Hex } from 'viem';

export type WebConfig = {
  chainId: number;
  contracts: {
    agoraToken: Address;
    providerRegistry: Address;
    computeMarket: Address;
    storageMarket: Address;
    reviews: Address;
  };
  startBlock: number;
  token: Address;
  /** Only on a local dev network. */
  devKeys: { client: Hex; providers: Hex[] } | null;
  examples: string[];
};

export async function loadConfig(): Promise<WebConfig> {
  const response = await fetch('/config.json');
  if (!response.ok) throw new Error(`The dashboard server answered /config.json with HTTP ${response.status}.`);
  return (await response.json()) as WebConfig;
}

/** The chain behind the dashboard's /rpc. */
export function chainOf(config: WebConfig) {
  return {
    id: config.chainId,
    name: 'Agora',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [`${window.location.origin}/rpc`] } },
  } as const;
}
