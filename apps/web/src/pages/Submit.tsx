// Buy compute from the browser: pick an example app, give it arguments and input, sign the bid with the chosen
// account and hand it to the matcher; then follow the task on its page.
import { useState } from 'react';
import { type Address, isAddress } from 'viem';
import { computeMarketDomain, bidTypes, newBid, taskIdOf } from '@agora/sdk/orders';
import { orderToJson } from '@agora/sdk/order-json';
import { encodeTaskInput } from '@agora/sdk/task-input';
import { Card } from '../components';
import type { WebConfig } from '../config';
import { parseAmount } from '@agora/sdk/amounts';
import { fuel, money, tusd } from '../format';
import { putBytes } from '../gateway';
import { useAccount } from '../wallet';

/** The matcher's account, which the bid names: only that matcher may submit it to the market. */
async function matcherAccount(): Promise<Address> {
  const response = await fetch('/matcher/health');
  const body = (await response.json().catch(() => ({}))) as { matcher?: unknown };
  if (!response.ok || typeof body.matcher !== 'string' || !isAddress(body.matcher)) {
    throw new Error(`The matcher did not say its account (HTTP ${response.status}).`);
  }
  return body.matcher;
}

const maxFuel = 100_000_000n;

/** An amount of tUSD typed as people write it ("0.00001"), in base units; undefined when it is not one. */
function parseTokens(text: string): bigint | undefined {
  try {
    return parseAmount(text, tusd);
  } catch {
    return undefined;
  }
}

export function Submit({ config }: { config: WebConfig }) {
  const { signer } = useAccount();
  const [app, setApp] = useState(config.examples.includes('wordcount') ? 'wordcount' : (config.examples[0] ?? ''));
  const [args, setArgs] = useState('');
  const [stdin, setStdin] = useState('one two three\n');
  const [replicas, setReplicas] = useState(1);
  const [maxPrice, setMaxPrice] = useState('0.00001');
  const price = parseTokens(maxPrice);
  const [state, setState] = useState<{ kind: 'idle' | 'sending' | 'failed'; message?: string }>({ kind: 'idle' });

  const submit = async () => {
    if (!signer || price === undefined) return;
    setState({ kind: 'sending' });
    try {
      const wasm = new Uint8Array(await (await fetch(`/examples/${app}.wasm`)).arrayBuffer());
      const [appCid, inputCid, matcher] = await Promise.all([
        putBytes(wasm),
        putBytes(encodeTaskInput({ args: args.split(' ').filter(Boolean), stdin: new TextEncoder().encode(stdin) })),
        matcherAccount(),
      ]);
      const bid = newBid({
        client: signer.account.address,
        token: config.token,
        appCid,
        inputCid,
        replicas,
        maxPricePerFuel: price,
        maxFuel,
        ttlSeconds: 600,
        matcher,
      });
      const signature = await signer.signTypedData({
        domain: computeMarketDomain(config.chainId, config.contracts.computeMarket),
        types: bidTypes,
        primaryType: 'Bid',
        message: bid,
      });
      const response = await fetch('/matcher/bids', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: orderToJson({ bid, signature }),
      });
      const body = (await response.json()) as { error?: { message: string } };
      if (response.status !== 201)
        throw new Error(`The matcher refused the bid: ${body.error?.message ?? response.status}`);
      window.location.hash = `#/tasks/${taskIdOf(bid.client, bid.nonce)}`;
    } catch (error) {
      setState({
        kind: 'failed',
        message: error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error),
      });
    }
  };

  return (
    <>
      <h1>Submit a task</h1>
      <Card title="Task">
        <form
          className="submit-form"
          onSubmit={(event) => {
            event.preventDefault();
            void submit();
          }}
        >
          <label>
            app{' '}
            <select aria-label="app" value={app} onChange={(event) => setApp(event.target.value)}>
              {config.examples.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          <label>
            arguments <input aria-label="arguments" value={args} onChange={(event) => setArgs(event.target.value)} />
          </label>
          <label>
            input <textarea aria-label="input" value={stdin} onChange={(event) => setStdin(event.target.value)} />
          </label>
          <label>
            replicas{' '}
            <select
              aria-label="replicas"
              value={replicas}
              onChange={(event) => setReplicas(Number(event.target.value))}
            >
              {[1, 3].map((count) => (
                <option key={count} value={count}>
                  {count}
                </option>
              ))}
            </select>
          </label>
          <label>
            highest price per fuel, in tUSD{' '}
            <input aria-label="max price" value={maxPrice} onChange={(event) => setMaxPrice(event.target.value)} />
          </label>
          <p className="muted">
            Fuel counts the WebAssembly instructions the app runs (metered the same on every provider); you pay the fuel
            it uses times the price, and at most {fuel(maxFuel)}.
          </p>
          {price === undefined ? (
            <p className="error" data-testid="price-error">
              The price is an amount of tUSD like 0.00001 (at most 6 decimals).
            </p>
          ) : (
            <p data-testid="cost-bound">
              Costs at most {money((price * maxFuel * BigInt(replicas)).toString())} plus the market&apos;s fees.
            </p>
          )}
          <button type="submit" disabled={!signer || price === undefined || state.kind === 'sending'}>
            {state.kind === 'sending' ? 'Submitting…' : signer ? 'Sign and submit' : 'Choose an account first'}
          </button>
          {state.kind === 'failed' ? <p className="error">{state.message}</p> : null}
        </form>
      </Card>
    </>
  );
}
