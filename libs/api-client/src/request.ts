import { ApiError, networkError, toApiError } from './errors';

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * Awaits one openapi-fetch call and returns its data, or throws an ApiError: the API's error envelope
 * for 4xx/5xx, `network_error` when fetch itself rejected.
 */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<Exclude<T, undefined>> {
  let result: FetchResult<T>;
  try {
    result = await call;
  } catch (cause) {
    if (cause instanceof ApiError) throw cause;
    throw networkError(cause);
  }
  if (!result.response.ok) throw toApiError(result.response, result.error);
  return result.data as Exclude<T, undefined>;
}
