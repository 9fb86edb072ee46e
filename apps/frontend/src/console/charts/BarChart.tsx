export interface Bar {
  label: string;
  value: number;
}

export interface BarChartProps {
  title: string;
  bars: Bar[];
  /** Unit for the accessible summary, e.g. "questions". */
  unit: string;
  width?: number;
  height?: number;
}

/**
 * A small SVG bar chart. Screen readers get the chart's summary as its label and the numbers as a
 * table (visually hidden), since a picture of bars says nothing to them.
 */
export function BarChart({ title, bars, unit, width = 640, height = 200 }: BarChartProps) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const total = bars.reduce((sum, b) => sum + b.value, 0);
  const gap = 2;
  const barWidth = bars.length ? width / bars.length - gap : 0;
  const plot = height - 20;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg
        role="img"
        aria-label={`${title}: ${total} ${unit} over ${bars.length} entries`}
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
      >
        {bars.map((bar, index) => {
          const barHeight = (bar.value / max) * plot;
          return (
            <rect
              key={bar.label}
              x={index * (barWidth + gap)}
              y={plot - barHeight}
              width={barWidth}
              height={barHeight}
              className="bar"
            >
              <title>{`${bar.label}: ${bar.value} ${unit}`}</title>
            </rect>
          );
        })}
        <line x1={0} x2={width} y1={plot} y2={plot} className="axis" />
        {bars.length > 0 && (
          <>
            <text x={0} y={height - 4} className="tick">
              {bars[0].label}
            </text>
            <text x={width} y={height - 4} textAnchor="end" className="tick">
              {bars[bars.length - 1].label}
            </text>
          </>
        )}
      </svg>
      <table className="sr-only">
        <caption>{title}</caption>
        <tbody>
          {bars.map((bar) => (
            <tr key={bar.label}>
              <th scope="row">{bar.label}</th>
              <td>{bar.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
