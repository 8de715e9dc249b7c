// One task: its terms, the timeline of match, commits, reveals and settlement, and (for its client, once it has
// settled) the review form.
import type { Hex } from 'viem';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { reviewsAbi } from '@agora/sdk/contracts';
import { toAgoraError } from '@agora/sdk/contract-errors';
import { reviewTaskArgs } from '@agora/sdk/review-actions';
import { type TaskDetail, useApi } from '../api';
import { AddressLink, Badge, Card, Failed, Loading } from '../components';
import type { WebConfig } from '../config';
import { fuel, money, pricePerFuel, time } from '../format';
import { putText } from '../gateway';
import { publicClientOf, useAccount } from '../wallet';

const stepNames = { matched: 'matched', committed: 'committed', revealed: 'revealed', settled: 'settled' } as const;

function ReviewForm({ task, config }: { task: TaskDetail; config: WebConfig }) {
  const { signer } = useAccount();
  const [provider, setProvider] = useState(0);
  const [rating, setRating] = useState(5);
  const [text, setText] = useState('');
  const [state, setState] = useState<{ kind: 'idle' | 'sending' | 'done' | 'failed'; message?: string }>({
    kind: 'idle',
  });
  if (!signer || signer.account.address.toLowerCase() !== task.client.toLowerCase()) {
    return <p className="muted">Only the task's client can review it: choose that account to write a review.</p>;
  }
  const submit = async () => {
    setState({ kind: 'sending' });
    try {
      const publicClient = publicClientOf(config);
      const textCid = await putText(text);
      const args = await reviewTaskArgs(
        publicClient,
        config.contracts.computeMarket,
        {
          record: task.record as Hex,
          paidMask: BigInt(task.paidMask ?? 0),
          charged: BigInt(task.charged ?? 0),
          matchedBlock: BigInt(task.matchedBlock),
        },
        { providerIndex: provider, rating, textCid },
      );
      const hash = await signer.writeContract({
        address: config.contracts.reviews,
        abi: reviewsAbi,
        functionName: 'reviewTask',
        args,
      });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') throw new Error(`The review transaction ${hash} reverted.`);
      setState({ kind: 'done', message: hash });
    } catch (error) {
      const explained = toAgoraError(error, 'review');
      setState({ kind: 'failed', message: explained instanceof Error ? explained.message : String(explained) });
    }
  };
  if (state.kind === 'done') return <p className="ok">Review recorded in {state.message?.slice(0, 12)}….</p>;
  return (
    <form
      className="review-form"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <label>
        provider{' '}
        <select
          aria-label="reviewed provider"
          value={provider}
          onChange={(event) => setProvider(Number(event.target.value))}
        >
          {task.providers.map((address, index) => (
            <option key={address} value={index}>
              {address}
            </option>
          ))}
        </select>
      </label>
      <label>
        rating{' '}
        <select aria-label="rating" value={rating} onChange={(event) => setRating(Number(event.target.value))}>
          {[5, 4, 3, 2, 1].map((stars) => (
            <option key={stars} value={stars}>
              {'★'.repeat(stars)}
            </option>
          ))}
        </select>
      </label>
      <textarea aria-label="review text" required value={text} onChange={(event) => setText(event.target.value)} />
      <button type="submit" disabled={state.kind === 'sending' || text.length === 0}>
        {state.kind === 'sending' ? 'Sending…' : 'Post review'}
      </button>
      {state.kind === 'failed' ? <p className="error">{state.message}</p> : null}
    </form>
  );
}

type Result = {
  outputCid: string;
  outputHash: string;
  outcome: string;
  exitCode: number | null;
  provider: string;
  size: number;
  preview: string | null;
};

/** The output, fetched from a provider and checked against the settled result hash by the dashboard's server. */
function ResultCard({ taskId }: { taskId: string }) {
  const result = useQuery({
    queryKey: ['result', taskId],
    staleTime: Infinity,
    retry: 3,
    queryFn: async () => {
      const response = await fetch(`/results/${taskId}`);
      const body = (await response.json()) as Result & { error?: { message: string } };
      if (!response.ok) throw new Error(body.error?.message ?? `HTTP ${response.status}`);
      return body;
    },
  });
  return (
    <Card title="Result">
      {result.error ? <Failed error={result.error} /> : null}
      {result.data ? (
        <>
          <ul className="facts">
            <li>
              output <code data-testid="output-cid">{result.data.outputCid}</code> ({result.data.size} bytes)
            </li>
            <li>
              {result.data.outcome}
              {result.data.exitCode === null ? '' : `, exit code ${result.data.exitCode}`} · served by{' '}
              <AddressLink address={result.data.provider} />,{' '}
              <span className="ok">checked against the settlement ✓</span>
            </li>
          </ul>
          {result.data.preview !== null ? <pre data-testid="output-preview">{result.data.preview}</pre> : null}
          <a href={`/results/${taskId}/output`} download={`${taskId}.out`}>
            download the output
          </a>
        </>
      ) : result.isPending ? (
        <Loading what="the output from its providers" />
      ) : null}
    </Card>
  );
}

type BidStatus = { status: string; code?: string; message?: string; waiting?: { reason: string; message: string } };

const bidStates: Record<string, string> = {
  open: 'in the matcher’s book, not matched yet',
  matching: 'being matched: the match is on its way to the chain',
  matched: 'matched: the seats are being drawn',
  rejected: 'refused by the matcher',
  expired: 'expired before a provider took it',
  cancelled: 'cancelled by its client',
  'filled-elsewhere': 'matched by another matcher',
};

/** A task the indexer has not seen: what the matcher says of its bid (why it waits, or why it was dropped). */
function BidState({ taskId }: { taskId: string }) {
  const bid = useQuery({
    queryKey: ['bid', taskId],
    refetchInterval: 2000,
    queryFn: async (): Promise<BidStatus | null> => {
      const response = await fetch(`/matcher/bids/${taskId}`);
      return response.ok ? ((await response.json()) as BidStatus) : null;
    },
  });
  if (!bid.data) return <Loading what={`task ${taskId.slice(0, 10)}… (waiting for the indexer)`} />;
  const { status, waiting, message } = bid.data;
  return (
    <>
      <h1>
        Task <code>{taskId.slice(0, 18)}…</code> <Badge status={status} />
      </h1>
      <Card title="Bid">
        <p data-testid="bid-state">The bid is {bidStates[status] ?? status}.</p>
        {waiting ? <p data-testid="bid-waiting">Why it waits: {waiting.message}</p> : null}
        {message ? <p data-testid="bid-refusal">{message}</p> : null}
      </Card>
    </>
  );
}

/** Addresses one after another, comma-separated ("none" when there are none). */
function AddressList({ addresses }: { addresses: readonly string[] }) {
  if (addresses.length === 0) return <>none</>;
  return (
    <>
      {addresses.map((address, index) => (
        <span key={address}>
          {index > 0 ? ', ' : null}
          <AddressLink address={address} />
        </span>
      ))}
    </>
  );
}

export function TaskPage({ taskId, config }: { taskId: string; config: WebConfig }) {
  const task = useApi<TaskDetail>(`/tasks/${taskId}`);
  if (task.error) return <Failed error={task.error} />;
  if (!task.data) return <BidState taskId={taskId} />;
  const data = task.data;
  return (
    <>
      <h1>
        Task <code>{data.taskId.slice(0, 18)}…</code> <Badge status={data.status} />
      </h1>
      <div className="grid">
        <Card title="Terms">
          <ul className="facts">
            <li>
              client <AddressLink address={data.client} />
            </li>
            <li>
              {data.providers.length} replicas, quorum {data.quorum}, price{' '}
              <span data-testid="price">{pricePerFuel(data.pricePerFuel)}</span>, at most{' '}
              <span data-testid="max-fuel">{fuel(data.maxFuel)}</span>
            </li>
            <li>
              app <code>{data.appCid}</code>
            </li>
            <li>
              input <code>{data.inputCid}</code>
            </li>
            <li>
              result <code data-testid="result-hash">{data.resultHash ?? 'not yet'}</code>
            </li>
            <li>
              used <span data-testid="fuel-used">{fuel(data.fuelUsed)}</span>, charged {money(data.charged)}
            </li>
          </ul>
        </Card>
        <Card title="Timeline">
          <ol className="timeline" data-testid="timeline">
            {data.timeline.map((step) => (
              <li
                key={`${step.transactionHash}-${step.kind}-${step.provider ?? ''}`}
                className={`step step-${step.kind}`}
              >
                <strong>{stepNames[step.kind]}</strong>
                {step.provider ? (
                  <>
                    {' '}
                    by <AddressLink address={step.provider} />
                  </>
                ) : null}
                {step.fuelUsed ? <> · {fuel(step.fuelUsed)}</> : null}
                <span className="muted">
                  {' '}
                  · block {step.blockNumber} · {time(step.timestamp)}
                </span>
              </li>
            ))}
          </ol>
          {data.status !== 'matched' ? (
            <p data-testid="paid">
              paid: <AddressList addresses={data.paid} />
              {data.slashed.length > 0 ? (
                <>
                  {' '}
                  · slashed: <AddressList addresses={data.slashed} />
                </>
              ) : null}
            </p>
          ) : null}
        </Card>
      </div>
      {data.status === 'finalized' ? <ResultCard taskId={data.taskId} /> : null}
      {data.status === 'finalized' ? (
        <Card title="Review">
          <ReviewForm task={data} config={config} />
        </Card>
      ) : null}
    </>
  );
}
