import { describe, expect, it } from 'vitest';
import { ApiError, networkError, toApiError } from './errors';
import { unwrap } from './request';

describe('toApiError', () => {
  it('keeps Retry-After on rate-limited answers', () => {
    const response = new Response(null, { status: 429, headers: { 'Retry-After': '7' } });
    const error = toApiError(response, { error: { code: 'rate_limited', message: 'Slow down.' } });
    expect(error).toMatchObject({ status: 429, code: 'rate_limited', message: 'Slow down.', retryAfterSeconds: 7 });
  });

  it("maps FastAPI's validation body to validation_error with its details", () => {
    const detail = [{ loc: ['body', 'email'], msg: 'field required', type: 'missing' }];
    const error = toApiError(new Response(null, { status: 422 }), { detail });
    expect(error).toMatchObject({ code: 'validation_error', details: detail });
  });

  it('names the status when the body is not the error envelope', () => {
    const error = toApiError(new Response('<html>', { status: 502, statusText: 'Bad Gateway' }), undefined);
    expect(error).toMatchObject({ status: 502, code: 'http_502', message: 'The server answered 502 Bad Gateway.' });
    expect(error.retryAfterSeconds).toBeUndefined();
  });
});

describe('unwrap', () => {
  it('turns a rejected fetch into a network_error', async () => {
    const error = await unwrap(Promise.reject(new TypeError('Failed to fetch'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 0, code: 'network_error', isNetworkError: true });
    expect((error as ApiError).message).toBe('Could not reach the server (Failed to fetch).');
  });

  it('passes an ApiError through unchanged', async () => {
    const original = new ApiError(400, 'bad', 'Bad.');
    await expect(unwrap(Promise.reject(original))).rejects.toBe(original);
  });

  it('describes non-Error rejections', () => {
    expect(networkError('offline').message).toBe('Could not reach the server (offline).');
  });
});
