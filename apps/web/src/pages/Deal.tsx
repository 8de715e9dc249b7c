// One storage deal: its terms and its proof history, period by period and slot by slot, as a chart.
import { CartesianGrid, Legend, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import { type DealDetail, useApi } from '../api';
import { AddressLink, Badge, Card, Failed, Loading } from '../components';
import { bytes, money, time } from '../format';

export function DealPage({ dealId }: { dealId: string }) {
  const deal = useApi<DealDetail>(`/deals/${dealId}`);
  if (deal.error) return <Failed error={deal.error} />;
  if (!deal.data) return <Loading what={`deal ${dealId}`} />;
  const data = deal.data;
  const point = (kind: 'proven' | 'missed') =>
    data.steps
      .filter((step) => step.kind === kind)
      .map((step) => ({ period: step.period, slot: step.slot, provider: step.provider }));
  return (
    <>
      <h1>
        Storage deal {data.dealId} <Badge status={data.status} />
      </h1>
      <div className="grid">
        <Card title="Terms">
          <ul className="facts">
            <li>
              client <AddressLink address={data.client} />
            </li>
            <li>
              {bytes(data.size)}, {data.replicas} replicas, {data.periods} periods of {data.periodBlocks} blocks
            </li>
            <li>
              <code>{data.cid}</code>
            </li>
            <li>
              pays {money(data.payment)} per period and replica; collateral {money(data.collateral)}
            </li>
            <li>
              holders:{' '}
              {data.providers.map((address, slot) => (
                <span key={address}>
                  {slot > 0 ? ', ' : ''}
                  slot {slot} <AddressLink address={address} />
                </span>
              ))}
            </li>
            <li data-testid="proof-counts">
              {data.proofs} proofs, {data.misses} missed
            </li>
          </ul>
        </Card>
        <Card title="Proof history">
          <ResponsiveContainer width="100%" height={220}>
            <ScatterChart aria-label="proof history">
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis
                type="number"
                dataKey="period"
                name="period"
                allowDecimals={false}
                domain={[0, Math.max(0, data.periods - 1)]}
              />
              <YAxis
                type="number"
                dataKey="slot"
                name="slot"
                allowDecimals={false}
                domain={[0, Math.max(0, data.replicas - 1)]}
              />
              <Tooltip />
              <Legend />
              <Scatter name="proven" data={point('proven')} fill="#10b981" isAnimationActive={false} />
              <Scatter name="missed" data={point('missed')} fill="#ef4444" isAnimationActive={false} />
            </ScatterChart>
          </ResponsiveContainer>
        </Card>
      </div>
      <Card title="Events">
        <ol className="timeline">
          {data.steps.map((step) => (
            <li key={`${step.transactionHash}-${step.kind}-${step.slot ?? ''}`} className={`step step-${step.kind}`}>
              <strong>{step.kind}</strong>
              {step.slot !== null ? <> slot {step.slot}</> : null}
              {step.period !== null ? <> period {step.period}</> : null}
              {step.provider ? (
                <>
                  {' '}
                  by <AddressLink address={step.provider} />
                </>
              ) : null}
              <span className="muted">
                {' '}
                · block {step.blockNumber} · {time(step.timestamp)}
              </span>
            </li>
          ))}
        </ol>
      </Card>
    </>
  );
}
