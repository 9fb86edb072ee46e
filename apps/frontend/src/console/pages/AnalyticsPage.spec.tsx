import { screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { fakeApi, renderConsole } from '../test-api';

const analytics = {
  questions_per_day: [
    { date: '2026-11-24', count: 4 },
    { date: '2026-11-25', count: 6 },
  ],
  answered: 8,
  escalated: 2,
  answer_latency_ms: { p50: 120.4, p95: 840.6 },
};

describe('AnalyticsPage', () => {
  it('charts questions per day, answered vs escalated and the latency p95', async () => {
    renderConsole('/analytics', fakeApi({ analytics: vi.fn(async () => analytics) }));

    expect(
      await screen.findByRole('img', { name: 'Questions per day: 10 questions over 2 entries' }),
    ).toBeInTheDocument();
    expect(screen.getByRole('row', { name: '2026-11-25 6' })).toBeInTheDocument();
    expect(screen.getByText('Answered: 8 (80 %)')).toBeInTheDocument();
    expect(screen.getByText('Escalated: 2 (20 %)')).toBeInTheDocument();
    expect(screen.getByText('Answer latency p95').nextSibling).toHaveTextContent('841 ms');
    expect(screen.getByText('Answer latency p50').nextSibling).toHaveTextContent('120 ms');
  });

  it('reloads for another period', async () => {
    const api = fakeApi();
    const { user } = renderConsole('/analytics', api);
    expect(await screen.findByText('Answered: 0 (0 %)')).toBeInTheDocument();
    expect(screen.getByText('Answer latency p95').nextSibling).toHaveTextContent('no answers yet');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Period' }), 'Last 7 days');
    expect(api.analytics).toHaveBeenLastCalledWith(7);
  });

  it('shows why analytics could not load', async () => {
    renderConsole('/analytics', fakeApi({ analytics: vi.fn().mockRejectedValue('boom') }));
    expect(await screen.findByRole('alert')).toHaveTextContent('boom');
  });
});
