// Who the dashboard acts as: a dev account of the local network (its keys come from the dev server), or the
// browser's injected wallet through wagmi. Everything that signs or sends takes the `Signer` this gives.
import { type ReactNode, createContext, useContext, useMemo, useState } from 'react';
import {
  type Account,
  type Address,
  type Chain,
  type Transport,
  type WalletClient,
  createPublicClient,
  createWalletClient,
  http,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createConfig, http as wagmiHttp, injected, useConnect, useConnection, useWalletClient } from 'wagmi';
import { type WebConfig, chainOf } from './config';

export type Signer = WalletClient<Transport, Chain, Account>;
type Choice = { kind: 'none' } | { kind: 'dev'; index: number } | { kind: 'injected' };

type AccountState = {
  choice: Choice;
  choose: (choice: Choice) => Promise<void>;
  signer: Signer | undefined;
  address: Address | undefined;
  /** The dev accounts on offer: the client first, then the providers. */
  devAccounts: { label: string; address: Address }[];
  error: string | null;
};

const AccountContext = createContext<AccountState | null>(null);

export function wagmiConfigOf(config: WebConfig) {
  const chain = chainOf(config);
  return createConfig({
    chains: [chain],
    connectors: [injected()],
    transports: { [chain.id]: wagmiHttp(`${window.location.origin}/rpc`) },
  });
}

export function publicClientOf(config: WebConfig) {
  // Blocks come every second or so on a local network: poll receipts at that pace, not viem's default 4 s.
  return createPublicClient({
    chain: chainOf(config),
    transport: http(`${window.location.origin}/rpc`),
    pollingInterval: 500,
  });
}

export function AccountProvider({ config, children }: { config: WebConfig; children: ReactNode }) {
  const keys = useMemo(() => (config.devKeys ? [config.devKeys.client, ...config.devKeys.providers] : []), [config]);
  const [choice, setChoice] = useState<Choice>(keys.length > 0 ? { kind: 'dev', index: 0 } : { kind: 'none' });
  const [error, setError] = useState<string | null>(null);
  const connect = useConnect();
  const connection = useConnection();
  const injectedWallet = useWalletClient();

  const devSigner = useMemo(() => {
    if (choice.kind !== 'dev') return undefined;
    const key = keys[choice.index];
    if (!key) return undefined;
    return createWalletClient({
      account: privateKeyToAccount(key),
      chain: chainOf(config),
      transport: http(`${window.location.origin}/rpc`),
    });
  }, [choice, keys, config]);

  const signer: Signer | undefined =
    choice.kind === 'dev' ? devSigner : choice.kind === 'injected' ? injectedWallet.data : undefined;

  const state: AccountState = {
    choice,
    choose: async (next) => {
      setError(null);
      if (next.kind === 'injected' && connection.status !== 'connected') {
        try {
          await connect.mutateAsync({ connector: injected() });
        } catch (cause) {
          setError(cause instanceof Error ? cause.message.split('\n')[0]! : String(cause));
          return;
        }
      }
      setChoice(next);
    },
    signer,
    address: signer?.account.address,
    devAccounts: keys.map((key, index) => ({
      label: index === 0 ? 'dev client' : `dev provider ${index - 1}`,
      address: privateKeyToAccount(key).address,
    })),
    error,
  };
  return <AccountContext.Provider value={state}>{children}</AccountContext.Provider>;
}

export function useAccount(): AccountState {
  const state = useContext(AccountContext);
  if (!state) throw new Error('useAccount outside AccountProvider');
  return state;
}

export function AccountPicker() {
  const { choice, choose, devAccounts, address, error } = useAccount();
  const value = choice.kind === 'dev' ? `dev:${choice.index}` : choice.kind;
  return (
    <div className="account">
      <select
        aria-label="account"
        value={value}
        onChange={(event) => {
          const picked = event.target.value;
          void choose(
            picked.startsWith('dev:')
              ? { kind: 'dev', index: Number(picked.slice(4)) }
              : picked === 'injected'
                ? { kind: 'injected' }
                : { kind: 'none' },
          );
        }}
      >
        <option value="none">no account</option>
        {devAccounts.map((account, index) => (
          <option key={account.address} value={`dev:${index}`}>
            {account.label}
          </option>
        ))}
        <option value="injected">injected wallet</option>
      </select>
      {address ? <code className="address">{short(address)}</code> : null}
      {error ? <span className="error">{error}</span> : null}
    </div>
  );
}

export function short(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}
