// One provider: what it offers, what it has at stake, what clients say and what the protocol saw, side by side,
// its history, and its reviews with its responses.
import { Bar, BarChart, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import { type DealDetail, type Provider as ProviderRow, type Review, type Task, useApi, useText } from '../api';
import { AddressLink, Badge, Card, Failed, Link, Loading, Stars, TaskCells } from '../components';
import { memory, percent, pricePerFuel, stake, time } from '../format';

function ReviewItem({ review }: { review: Review }) {
  const text = useText(review.textCid);
  const response = useText(review.responseCid);
  return (
    <li className="review">
      <div>
        <span className="stars">{'★'.repeat(review.rating)}</span>
        <span className="muted">{'☆'.repeat(5 - review.rating)}</span> by <AddressLink address={review.client} /> for{' '}
        {review.subject === 'task' ? (
          <Link to={`/tasks/${review.subjectId}`}>task {review.subjectId.slice(0, 10)}…</Link>
        ) : (
          <Link to={`/deals/${review.subjectId}`}>deal {review.subjectId}</Link>
        )}
      </div>
      <p className="review-text">{text.data ?? <span className="muted">(text not available)</span>}</p>
      {review.responseCid ? (
        <p className="response">
          ↳ provider: {response.data ?? <span className="muted">(response not available)</span>}
        </p>
      ) : null}
    </li>
  );
}

export function Provider({ address }: { address: string }) {
  const provider = useApi<ProviderRow>(`/providers/${address}`);
  const history = useApi<{ tasks: Task[]; storage: DealDetail['steps'] }>(`/providers/${address}/history`);
  const reviews = useApi<{ reviews: Review[] }>(`/providers/${address}/reviews`);
  if (provider.error) return <Failed error={provider.error} />;
  if (!provider.data) return <Loading what="the provider" />;
  const { resources, objective } = provider.data;
  const stars = provider.data.reviews.stars.map((count, index) => ({ star: `${index + 1}★`, count }));
  return (
    <>
      <h1>
        Provider <code>{provider.data.address}</code> <Badge status={provider.data.status} />
      </h1>
      <div className="grid three">
        <Card title="Resources">
          <ul className="facts">
            <li>{resources.cpuCores} cores</li>
            <li>{memory(resources.memoryMiB)} memory</li>
            <li>{resources.gpuCount > 0 ? `${resources.gpuCount}× ${resources.gpuModel}` : 'no GPU'}</li>
            <li>region {resources.region}</li>
            <li>
              {[resources.tee ? 'TEE' : null, resources.storage ? 'storage' : null].filter(Boolean).join(', ') ||
                'compute only'}
            </li>
          </ul>
        </Card>
        <Card title="Stake">
          <ul className="facts">
            <li>bonded {stake(provider.data.bonded)}</li>
            <li>unbonding {stake(provider.data.unbonding)}</li>
            <li>slashed {stake(provider.data.slashed)}</li>
            <li>{provider.data.jailedUntil ? `jailed until ${time(provider.data.jailedUntil)}` : 'not jailed'}</li>
            <li>last price {pricePerFuel(provider.data.pricePerFuel)}</li>
          </ul>
        </Card>
        <Card title="Scores">
          <div className="scores">
            <div className="score" data-testid="review-score">
              <div className="score-title">What clients say</div>
              <Stars rating={provider.data.reviews.score} />
              <div className="muted">
                {provider.data.reviews.count} reviews, weighted mean{' '}
                {provider.data.reviews.weightedMean?.toFixed(2) ?? '—'}
              </div>
            </div>
            <div className="score" data-testid="objective-score">
              <div className="score-title">What the protocol saw</div>
              <div className="score-value">{percent(objective.score)}</div>
              <div className="muted">
                {objective.tasksPaid} tasks paid, {objective.tasksSlashed} slashed, {objective.tasksFailed} failed;{' '}
                {objective.storageProofs} proofs, {objective.storageMisses} missed
              </div>
            </div>
          </div>
        </Card>
      </div>
      <div className="grid">
        <Card title="Ratings">
          <ResponsiveContainer width="100%" height={160}>
            <BarChart data={stars} layout="vertical" aria-label="ratings">
              <XAxis type="number" allowDecimals={false} />
              <YAxis type="category" dataKey="star" width={40} />
              <Bar dataKey="count" fill="#f59e0b" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </Card>
        <Card title="Reviews">
          {reviews.data ? (
            reviews.data.reviews.length > 0 ? (
              <ul className="reviews">
                {reviews.data.reviews.map((review) => (
                  <ReviewItem key={review.reviewId} review={review} />
                ))}
              </ul>
            ) : (
              <p className="muted">No reviews yet.</p>
            )
          ) : (
            <Loading what="reviews" />
          )}
        </Card>
      </div>
      <Card title="History">
        {history.data ? (
          <table>
            <thead>
              <tr>
                <th>task</th>
                <th>status</th>
                <th>its part</th>
                <th>matched</th>
              </tr>
            </thead>
            <tbody>
              {history.data.tasks.map((task) => (
                <tr key={task.taskId}>
                  <TaskCells taskId={task.taskId} status={task.status} />
                  <td>
                    {task.paid.includes(address.toLowerCase())
                      ? 'paid'
                      : task.slashed.includes(address.toLowerCase())
                        ? 'slashed'
                        : task.status === 'matched'
                          ? 'running'
                          : 'unpaid'}
                  </td>
                  <td>{time(task.matchedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <Loading what="history" />
        )}
      </Card>
    </>
  );
}
