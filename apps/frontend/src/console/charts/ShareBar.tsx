export interface Share {
  label: string;
  value: number;
  className: string;
}

/** One horizontal bar split into shares (e.g. answered vs escalated), with the numbers written out. */
export function ShareBar({ title, shares }: { title: string; shares: Share[] }) {
  const total = shares.reduce((sum, s) => sum + s.value, 0);
  const percent = (value: number) => (total === 0 ? 0 : Math.round((value / total) * 100));
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div className="share-bar" aria-hidden="true">
        {shares.map((share) => (
          <span key={share.label} className={share.className} style={{ width: `${percent(share.value)}%` }} />
        ))}
      </div>
      <ul className="legend">
        {shares.map((share) => (
          <li key={share.label}>
            <span className={`swatch ${share.className}`} aria-hidden="true" />
            {share.label}: {share.value} ({percent(share.value)} %)
          </li>
        ))}
      </ul>
    </figure>
  );
}
