// The admin console's error reports: @sentry/browser, on only when VITE_SENTRY_DSN was set at build
// time, tagged with release and environment, and without personal data (no IP address, no user,
// e-mail addresses removed from messages and breadcrumbs, no form values or request bodies).
import { captureException, flush, init, type ErrorEvent } from '@sentry/browser';
import { redact, type ErrorReportsConfig } from '../shared/error-reports';

const URL_KEYS = new Set(['url', 'from', 'to']);

/** Sentry's `beforeSend`: the event without personal data. */
export function scrubEvent(event: ErrorEvent): ErrorEvent {
  delete event.user;
  if (event.request) {
    delete event.request.cookies;
    delete event.request.data;
    delete event.request.query_string;
    if (event.request.url) event.request.url = redact(event.request.url.split('?')[0]);
  }
  if (event.message) event.message = redact(event.message);
  for (const exception of event.exception?.values ?? []) {
    if (exception.value) exception.value = redact(exception.value);
  }
  for (const crumb of event.breadcrumbs ?? []) {
    if (crumb.message) crumb.message = redact(crumb.message);
    // Fetch, XHR and navigation breadcrumbs carry URLs whose query strings hold search terms.
    if (crumb.data) {
      crumb.data = Object.fromEntries(
        Object.entries(crumb.data).map(([key, value]) => [
          key,
          typeof value === 'string' ? redact(URL_KEYS.has(key) ? value.split('?')[0] : value) : value,
        ]),
      );
    }
  }
  return event;
}

/** Starts reporting when a DSN is configured; returns whether it did. */
export function startErrorReports(config: ErrorReportsConfig): boolean {
  if (!config.dsn) return false;
  init({
    dsn: config.dsn,
    release: config.release,
    environment: config.environment,
    sendDefaultPii: false,
    beforeSend: scrubEvent,
  });
  return true;
}

export { captureException, flush };
