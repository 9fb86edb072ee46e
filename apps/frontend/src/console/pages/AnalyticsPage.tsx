import { useState } from 'react';
import { useApi } from '../auth';
import { BarChart } from '../charts/BarChart';
import { ShareBar } from '../charts/ShareBar';
import { ErrorMessage } from '../components/ErrorMessage';
import { useResource } from '../useResource';

const PERIODS = [7, 30, 90] as const;

const formatMs = (ms: number | null): string => (ms === null ? 'no answers yet' : `${Math.round(ms)} ms`);

export function AnalyticsPage() {
  const api = useApi();
  const [days, setDays] = useState<number>(30);
  const analytics = useResource(() => api.analytics(days), [api, days]);
  const data = analytics.data;

  return (
    <section aria-labelledby="analytics-title">
      <h1 id="analytics-title">Analytics</h1>
      <label>
        Period{' '}
        <select value={days} onChange={(event) => setDays(Number(event.target.value))}>
          {PERIODS.map((period) => (
            <option key={period} value={period}>
              Last {period} days
            </option>
          ))}
        </select>
      </label>
      {analytics.error && <ErrorMessage error={analytics.error} onRetry={analytics.reload} />}
      {data && (
        <div className="analytics">
          <BarChart
            title="Questions per day"
            unit="questions"
            bars={data.questions_per_day.map((day) => ({ label: day.date, value: day.count }))}
          />
          <ShareBar
            title="Answered vs escalated"
            shares={[
              { label: 'Answered', value: data.answered, className: 'answered' },
              { label: 'Escalated', value: data.escalated, className: 'escalated' },
            ]}
          />
          <dl className="stats">
            <div>
              <dt>Answer latency p95</dt>
              <dd>{formatMs(data.answer_latency_ms.p95)}</dd>
            </div>
            <div>
              <dt>Answer latency p50</dt>
              <dd>{formatMs(data.answer_latency_ms.p50)}</dd>
            </div>
          </dl>
        </div>
      )}
    </section>
  );
}
