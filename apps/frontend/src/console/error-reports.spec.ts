// The console's Sentry reporting against a local envelope server on 127.0.0.1: what arrives.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { version } from '../../package.json';
import { errorReportsConfig } from '../shared/error-reports';
import { startEnvelopeServer, type EnvelopeServer } from '../shared/test-envelope-server';
import { captureException, flush, startErrorReports } from './error-reports';

describe('console error reports (@sentry/browser)', () => {
  let server: EnvelopeServer;
  beforeEach(async () => (server = await startEnvelopeServer()));
  afterEach(() => server.close());

  it('is off without VITE_SENTRY_DSN, and takes release and environment from the build', () => {
    expect(startErrorReports(errorReportsConfig('console', { PROD: true }))).toBe(false);
    expect(errorReportsConfig('console', { PROD: true })).toEqual({
      dsn: '',
      release: `customercare-console@${version}`,
      environment: 'production',
    });
    expect(
      errorReportsConfig('console', {
        VITE_SENTRY_RELEASE: 'console@abc123',
        VITE_SENTRY_ENVIRONMENT: 'staging',
        PROD: true,
      }),
    ).toMatchObject({ release: 'console@abc123', environment: 'staging' });
  });

  it('sends errors tagged with release and environment, without e-mail addresses, user or IP address', async () => {
    const config = { dsn: server.dsn('7'), release: 'customercare-console@9.9.9', environment: 'staging' };
    expect(startErrorReports(config)).toBe(true);
    window.history.replaceState(null, '', '/conversations?search=jane.doe@example.com');
    captureException(new Error('Could not load the conversation of jane.doe@example.com'));
    expect(await flush(10_000)).toBe(true);

    // The page-view session and the error, each in its own envelope.
    const envelopes = await server.waitFor(2);
    for (const envelope of envelopes) {
      expect(envelope.path).toBe('/api/7/envelope/');
      expect(envelope.query.get('sentry_key')).toBe('publickey');
      expect(envelope.raw).not.toContain('jane.doe@example.com');
    }
    const items = envelopes.flatMap((envelope) => envelope.items);
    const events = items.filter((item) => item.header.type === 'event').map((item) => item.payload);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({
      release: 'customercare-console@9.9.9',
      environment: 'staging',
      exception: { values: [{ type: 'Error', value: 'Could not load the conversation of [email]' }] },
      request: { url: 'http://localhost:3000/conversations' },
    });
    expect(event.breadcrumbs).toEqual([
      expect.objectContaining({ category: 'navigation', data: { from: '/', to: '/conversations' } }),
    ]);
    expect(event.user).toBeUndefined();
    // The SDK tells Sentry not to add the sender's IP address (sendDefaultPii: false).
    expect(event.sdk).toMatchObject({ settings: { infer_ip: 'never' } });
  });
});
