// Every provider, sorted and filtered the way a buyer chooses: price, stake, and both scores side by side.
import { useState } from 'react';
import { type Provider, useApi } from '../api';
import { AddressLink, Badge, Failed, Loading, Stars } from '../components';
import { memory, percent, pricePerFuel, stake } from '../format';

const sorts = {
  objectiveScore: 'protocol score',
  reviewScore: 'review score',
  price: 'price',
  stake: 'stake',
} as const;

export function Providers() {
  const [sort, setSort] = useState<keyof typeof sorts>('objectiveScore');
  const [minCpuCores, setMinCpuCores] = useState('');
  const order = sort === 'price' ? 'asc' : 'desc';
  const query = new URLSearchParams({ sort, order, ...(minCpuCores ? { minCpuCores } : {}) });
  const providers = useApi<{ providers: Provider[] }>(`/providers?${query.toString()}`);
  return (
    <>
      <h1>Providers</h1>
      <div className="controls">
        <label>
          sort by{' '}
          <select
            aria-label="sort"
            value={sort}
            onChange={(event) => setSort(event.target.value as keyof typeof sorts)}
          >
            {Object.entries(sorts).map(([key, label]) => (
              <option key={key} value={key}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          at least{' '}
          <input
            aria-label="minimum cores"
            type="number"
            min="0"
            value={minCpuCores}
            onChange={(event) => setMinCpuCores(event.target.value)}
          />{' '}
          cores
        </label>
      </div>
      {providers.error ? <Failed error={providers.error} /> : null}
      {providers.data ? (
        <table className="providers">
          <thead>
            <tr>
              <th>provider</th>
              <th>status</th>
              <th>region</th>
              <th>cores</th>
              <th>memory</th>
              <th>stake</th>
              <th>price</th>
              <th>reviews</th>
              <th>protocol record</th>
            </tr>
          </thead>
          <tbody>
            {providers.data.providers.map((provider) => (
              <tr key={provider.address}>
                <td>
                  <AddressLink address={provider.address} />
                </td>
                <td>
                  <Badge status={provider.status} />
                </td>
                <td>{provider.resources.region}</td>
                <td>{provider.resources.cpuCores}</td>
                <td>{memory(provider.resources.memoryMiB)}</td>
                <td>{stake(provider.bonded)}</td>
                <td>{pricePerFuel(provider.pricePerFuel)}</td>
                <td>
                  <Stars rating={provider.reviews.score} /> <span className="muted">({provider.reviews.count})</span>
                </td>
                <td>
                  {percent(provider.objective.score)}{' '}
                  <span className="muted">
                    ({provider.objective.tasksPaid} paid, {provider.objective.tasksSlashed} slashed)
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <Loading what="providers" />
      )}
    </>
  );
}
