// The market at a glance: totals, activity and price per minute, the latest tasks.
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { type StatsPoint, type Summary, type Task, useApi } from '../api';
import { AddressLink, Card, Failed, Loading, Stat, TaskCells } from '../components';
import { amount, bytes, pricePerFuel, time } from '../format';

export function Overview() {
  const summary = useApi<Summary>('/stats/summary');
  const stats = useApi<{ points: StatsPoint[] }>('/stats?interval=minute');
  const tasks = useApi<{ tasks: Task[] }>('/tasks?limit=10');
  const points = (stats.data?.points ?? []).map((point) => ({ ...point, label: time(point.start) }));
  return (
    <>
      <h1>Market overview</h1>
      {summary.error ? <Failed error={summary.error} /> : null}
      {summary.data ? (
        <div className="stats">
          <Stat label="active providers" value={summary.data.providers.active} />
          <Stat label="tasks settled" value={summary.data.tasks.finalized} />
          <Stat label="compute volume (tUSD)" value={amount(summary.data.tasks.volume)} />
          <Stat label="active storage deals" value={summary.data.deals.active} />
          <Stat label="stored" value={bytes(summary.data.deals.storedBytes)} />
          <Stat label="storage proofs" value={summary.data.deals.proofs} />
          <Stat label="reviews" value={summary.data.reviews} />
        </div>
      ) : (
        <Loading what="the market" />
      )}
      <div className="grid">
        <Card title="Tasks per minute">
          <ResponsiveContainer width="100%" height={220}>
            <BarChart data={points} aria-label="tasks per minute">
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="label" />
              <YAxis allowDecimals={false} />
              <Tooltip />
              <Legend />
              <Bar dataKey="tasksMatched" name="matched" fill="#6366f1" isAnimationActive={false} />
              <Bar dataKey="tasksFinalized" name="settled" fill="#10b981" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </Card>
        <Card title="Mean price per fuel unit">
          <ResponsiveContainer width="100%" height={220}>
            <LineChart data={points.filter((point) => point.meanPricePerFuel !== null)} aria-label="price per fuel">
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="label" />
              <YAxis />
              <Tooltip />
              <Line
                type="monotone"
                dataKey="meanPricePerFuel"
                name="price"
                stroke="#f59e0b"
                isAnimationActive={false}
              />
            </LineChart>
          </ResponsiveContainer>
        </Card>
      </div>
      <Card title="Latest tasks">
        {tasks.data ? (
          <table>
            <thead>
              <tr>
                <th>task</th>
                <th>status</th>
                <th>client</th>
                <th>replicas</th>
                <th>price</th>
                <th>matched</th>
              </tr>
            </thead>
            <tbody>
              {tasks.data.tasks.map((task) => (
                <tr key={task.taskId}>
                  <TaskCells taskId={task.taskId} status={task.status} />
                  <td>
                    <AddressLink address={task.client} />
                  </td>
                  <td>{task.providers.length}</td>
                  <td>{pricePerFuel(task.pricePerFuel)}</td>
                  <td>{time(task.matchedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <Loading what="tasks" />
        )}
      </Card>
    </>
  );
}
