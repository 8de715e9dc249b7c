// The dashboard: a hash router over the pages, TanStack Query for the indexer's API, wagmi for an injected wallet.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { WagmiProvider } from 'wagmi';
import { Link } from './components';
import { type WebConfig, loadConfig } from './config';
import { DealPage } from './pages/Deal';
import { Overview } from './pages/Overview';
import { Provider } from './pages/Provider';
import { Providers } from './pages/Providers';
import { Submit } from './pages/Submit';
import { TaskPage } from './pages/Task';
import './styles.css';
import { AccountPicker, AccountProvider, wagmiConfigOf } from './wallet';

function useRoute(): string {
  const [route, setRoute] = useState(() => window.location.hash.slice(1) || '/');
  useEffect(() => {
    const changed = () => setRoute(window.location.hash.slice(1) || '/');
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}

function Page({ config }: { config: WebConfig }) {
  const route = useRoute();
  const [, section, id] = route.split('/');
  if (section === 'providers' && id) return <Provider key={id} address={id} />;
  if (section === 'providers') return <Providers />;
  if (section === 'tasks' && id) return <TaskPage key={id} taskId={id} config={config} />;
  if (section === 'deals' && id) return <DealPage key={id} dealId={id} />;
  if (section === 'submit') return <Submit config={config} />;
  return <Overview />;
}

function App({ config }: { config: WebConfig }) {
  return (
    <AccountProvider config={config}>
      <header>
        <Link to="/">
          <strong className="brand">Agora</strong>
        </Link>
        <nav>
          <Link to="/">Market</Link>
          <Link to="/providers">Providers</Link>
          <Link to="/submit">Submit a task</Link>
        </nav>
        <AccountPicker />
      </header>
      <main>
        <Page config={config} />
      </main>
    </AccountProvider>
  );
}

const config = await loadConfig();
const queryClient = new QueryClient();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <WagmiProvider config={wagmiConfigOf(config)}>
      <QueryClientProvider client={queryClient}>
        <App config={config} />
      </QueryClientProvider>
    </WagmiProvider>
  </StrictMode>,
);
