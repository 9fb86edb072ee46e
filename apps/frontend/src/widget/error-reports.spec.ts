// The widget's own envelope sender against a local envelope server on 127.0.0.1: what arrives.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { version } from '../../package.json';
import { startEnvelopeServer, type EnvelopeServer } from '../shared/test-envelope-server';
import { envelopeUrl, startErrorReports } from './error-reports';

const SCRIPT = 'https://api.example.com/api/v1/embed/widget.js';

/** A window of its own per test, so listeners never outlive it. */
function freshWindow(): Window {
  const frame = document.createElement('iframe');
  document.body.append(frame);
  const win = frame.contentWindow as Window;
  // jsdom's frames have no fetch; the sender uses the window's.
  Object.assign(win, { fetch: globalThis.fetch });
  return win;
}

function errorEvent(win: Window, error: Error, filename: string): Event {
  return new (win as Window & typeof globalThis).ErrorEvent('error', { error, message: error.message, filename });
}

describe('widget error reports (own envelope sender)', () => {
  let server: EnvelopeServer;
  beforeEach(async () => (server = await startEnvelopeServer()));
  afterEach(() => server.close());

  it('finds the envelope endpoint of a DSN, with or without a path', () => {
    expect(envelopeUrl('https://abc@o1.ingest.sentry.io/42')).toBe(
      'https://o1.ingest.sentry.io/api/42/envelope/?sentry_version=7&sentry_key=abc',
    );
    expect(envelopeUrl('https://abc@sentry.example.com/prefix/42')).toBe(
      'https://sentry.example.com/prefix/api/42/envelope/?sentry_version=7&sentry_key=abc',
    );
    expect(envelopeUrl('not a dsn')).toBeNull();
    expect(envelopeUrl('https://sentry.example.com/42')).toBeNull();
  });

  it('is a no-op without a DSN', () => {
    const win = freshWindow();
    const sent: unknown[] = [];
    Object.assign(win, { fetch: (...args: unknown[]) => sent.push(args) });
    const report = startErrorReports({ dsn: '', release: 'r', environment: 'e' }, SCRIPT, win);
    report(new Error('x'));
    win.dispatchEvent(errorEvent(win, new Error('y'), SCRIPT));
    expect(sent).toEqual([]);
  });

  it("reports its own script's errors with release and environment, without e-mail addresses, never the page's", async () => {
    const win = freshWindow();
    const config = { dsn: server.dsn('9'), release: `customercare-widget@${version}`, environment: 'production' };
    startErrorReports(config, SCRIPT, win);
    win.dispatchEvent(
      errorEvent(win, new TypeError('The page broke for bob@example.org'), 'https://shop.example/app.js'),
    );
    win.dispatchEvent(errorEvent(win, new TypeError('Cannot read the reply for alice@example.com'), SCRIPT));

    const [envelope] = await server.waitFor(1);
    expect(envelope.path).toBe('/api/9/envelope/');
    expect(envelope.query.get('sentry_key')).toBe('publickey');
    expect(envelope.raw).not.toMatch(/alice@example\.com|bob@example\.org/);
    expect(envelope.items.map((item) => item.header)).toEqual([{ type: 'event' }]);
    const event = envelope.items[0].payload;
    expect(event).toMatchObject({
      event_id: envelope.header.event_id,
      platform: 'javascript',
      level: 'error',
      release: `customercare-widget@${version}`,
      environment: 'production',
      exception: { values: [{ type: 'TypeError', value: 'Cannot read the reply for [email]' }] },
    });
    expect(event.event_id).toMatch(/^[0-9a-f]{32}$/);
    expect(event.user).toBeUndefined();
    expect(event.request).toBeUndefined();
    expect(server.received).toHaveLength(1); // the page's own error was not sent
  });

  it('stops after five reports per page view', async () => {
    const win = freshWindow();
    let posts = 0;
    Object.assign(win, { fetch: (...args: Parameters<typeof fetch>) => ((posts += 1), globalThis.fetch(...args)) });
    const report = startErrorReports({ dsn: server.dsn('9'), release: 'r', environment: 'e' }, SCRIPT, win);
    for (let i = 0; i < 8; i += 1) report(new Error(`failure ${i}`));
    expect(posts).toBe(5);
    const received = await server.waitFor(5);
    const values = received.map(
      (r) => (r.items[0].payload as { exception: { values: Array<{ value: string }> } }).exception.values[0].value,
    );
    expect(values.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `failure ${i}`));
  });
});
