// What the console's Sentry SDK and the widget's own reporter share: the build-time settings and the
// scrubbing of personal data. Kept free of @sentry/browser so the widget bundle stays small.
import { version } from '../../package.json';

export interface ErrorReportsConfig {
  /** Sentry DSN; empty: reporting is off. */
  dsn: string;
  release: string;
  environment: string;
}

/** The build-time settings (VITE_SENTRY_DSN, VITE_SENTRY_ENVIRONMENT, VITE_SENTRY_RELEASE) of one app. */
export function errorReportsConfig(
  app: 'console' | 'widget',
  env: Record<string, string | boolean | undefined>,
): ErrorReportsConfig {
  const setting = (value: unknown) => (typeof value === 'string' ? value.trim() : '');
  return {
    dsn: setting(env.VITE_SENTRY_DSN),
    release: setting(env.VITE_SENTRY_RELEASE) || `customercare-${app}@${version}`,
    environment: setting(env.VITE_SENTRY_ENVIRONMENT) || (env.PROD ? 'production' : 'development'),
  };
}

const EMAIL = /[\w.+-]+@[\w.-]+\.[a-z]{2,}/gi;

/** The text with every e-mail address replaced: error messages may quote what a person typed. */
export function redact(text: string): string {
  return text.replace(EMAIL, '[email]');
}
