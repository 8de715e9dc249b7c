// Small pieces the pages share: links, status badges, stars, score cards.
import type { ReactNode } from 'react';
import { short } from './wallet';

export function Link({ to, children }: { to: string; children: ReactNode }) {
  return <a href={`#${to}`}>{children}</a>;
}

export function AddressLink({ address }: { address: string }) {
  return (
    <Link to={`/providers/${address}`}>
      <code title={address}>{short(address)}</code>
    </Link>
  );
}

export function Badge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}

export function Stars({ rating }: { rating: number | null }) {
  if (rating === null) return <span className="muted">no reviews</span>;
  const full = Math.round(rating);
  return (
    <span className="stars" aria-label={`${rating.toFixed(2)} stars`}>
      {'★'.repeat(full)}
      <span className="muted">{'☆'.repeat(5 - full)}</span> {rating.toFixed(2)}
    </span>
  );
}

export function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="card">
      <h3>{title}</h3>
      {children}
    </section>
  );
}

export function Stat({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div className="stat">
      <div className="stat-value">{value}</div>
      <div className="stat-label">{label}</div>
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return <p className="muted">Loading {what}…</p>;
}

export function Failed({ error }: { error: Error }) {
  return <p className="error">{error.message}</p>;
}

/** The first two cells of a task's row: its id, linked, and its status. */
export function TaskCells({ taskId, status }: { taskId: string; status: string }) {
  return (
    <>
      <td>
        <Link to={`/tasks/${taskId}`}>
          <code>{taskId.slice(0, 10)}…</code>
        </Link>
      </td>
      <td>
        <Badge status={status} />
      </td>
    </>
  );
}
