// The widget's error reports: a few hundred bytes that post Sentry envelopes themselves, because
// @sentry/browser (29.7 KB gzipped on its own) would take widget.js (11.6 KB) past its 40 KB budget.
// On only when VITE_SENTRY_DSN was set at build time. The widget runs inside customers' pages, so it
// reports only errors thrown by its own script (never the page's), at most MAX_EVENTS per page view,
// with e-mail addresses removed and no user, IP address or page content.
import { version } from '../../package.json';
import { redact, type ErrorReportsConfig } from '../shared/error-reports';

const MAX_EVENTS = 5;
const MAX_STACK = 4000;

/** The DSN's envelope endpoint (https://<key>@<host>[/<path>]/<project> -> .../api/<project>/envelope/). */
export function envelopeUrl(dsn: string): string | null {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    return null;
  }
  const parts = url.pathname.split('/');
  const project = parts.pop();
  if (!url.username || !project) return null;
  return `${url.protocol}//${url.host}${parts.join('/')}/api/${project}/envelope/?sentry_version=7&sentry_key=${url.username}`;
}

function eventId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** One error as a Sentry envelope: the envelope header, the item header and the event. */
export function envelope(error: unknown, config: ErrorReportsConfig, now = new Date()): string {
  const cause = error instanceof Error ? error : new Error(String(error));
  const id = eventId();
  const event = {
    event_id: id,
    timestamp: now.getTime() / 1000,
    platform: 'javascript',
    level: 'error',
    logger: 'widget',
    release: config.release,
    environment: config.environment,
    sdk: { name: 'customercare.widget', version },
    exception: { values: [{ type: cause.name, value: redact(cause.message) }] },
    extra: { stack: redact(cause.stack ?? '').slice(0, MAX_STACK) },
  };
  return [
    JSON.stringify({ event_id: id, sent_at: now.toISOString() }),
    JSON.stringify({ type: 'event' }),
    JSON.stringify(event),
  ].join('\n');
}

/**
 * Starts reporting the errors of the script at `scriptUrl`; returns the function that reports one
 * error by hand (a no-op when reporting is off).
 */
export function startErrorReports(
  config: ErrorReportsConfig,
  scriptUrl: string,
  win: Window = window,
): (error: unknown) => void {
  const url = config.dsn ? envelopeUrl(config.dsn) : null;
  if (!url) return () => undefined;
  let sent = 0;
  const report = (error: unknown) => {
    if (sent >= MAX_EVENTS) return;
    sent += 1;
    // text/plain keeps it a simple request (no CORS preflight); Sentry reads envelopes either way.
    win
      .fetch(url, {
        method: 'POST',
        body: envelope(error, config),
        keepalive: true,
        credentials: 'omit',
        headers: { 'content-type': 'text/plain' },
      })
      .catch(() => undefined);
  };
  const ours = (error: unknown, filename = '') =>
    Boolean(scriptUrl) &&
    (filename === scriptUrl || (error instanceof Error && Boolean(error.stack?.includes(scriptUrl))));
  win.addEventListener('error', (event) => {
    if (ours(event.error, event.filename)) report(event.error ?? event.message);
  });
  win.addEventListener('unhandledrejection', (event) => {
    if (ours(event.reason)) report(event.reason);
  });
  return report;
}
