import type { components } from './generated/schema';

type ErrorBody = components['schemas']['ErrorResponse'];

/** Any failed call: the API's stable error code and sentence, or `network_error` when no answer came back. */
export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Seconds to wait before retrying, from Retry-After on 429/503. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  get isNetworkError(): boolean {
    return this.status === 0;
  }
}

function isErrorBody(body: unknown): body is ErrorBody {
  const error = (body as ErrorBody | null)?.error;
  return typeof error?.code === 'string' && typeof error.message === 'string';
}

/** Maps a failed response to an ApiError, keeping the API's own code and message when it sent the envelope. */
export function toApiError(response: Response, body: unknown): ApiError {
  const retryAfter = Number(response.headers.get('Retry-After'));
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
  if (isErrorBody(body)) {
    return new ApiError(response.status, body.error.code, body.error.message, body.error.details, retryAfterSeconds);
  }
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (response.status === 422 && detail !== undefined) {
    return new ApiError(422, 'validation_error', 'The request is not valid.', detail);
  }
  return new ApiError(
    response.status,
    `http_${response.status}`,
    `The server answered ${response.status} ${response.statusText || ''}`.trimEnd() + '.',
    undefined,
    retryAfterSeconds,
  );
}

/** fetch rejected: offline, DNS, CORS refusal or an aborted request. */
export function networkError(cause: unknown): ApiError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ApiError(0, 'network_error', `Could not reach the server (${reason}).`);
}
