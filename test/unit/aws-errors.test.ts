import { describe, expect, it } from 'vitest';
import { LazaretError } from '../../src/core/errors.js';
import { awsStoreError, isAwsThrottling } from '../../src/store/aws/aws-errors.js';

const awsError = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: {}, ...extra });

describe('AWS errors become store error codes', () => {
  it.each([
    'ProvisionedThroughputExceededException',
    'ThrottlingException',
    'RequestLimitExceeded',
    'SlowDown',
  ])('treats %s as throttling: store_throttled', (name) => {
    expect(isAwsThrottling(awsError(name))).toBe(true);
    expect(awsStoreError('listItems', awsError(name))).toMatchObject({
      code: 'store_throttled',
      details: { operation: 'listItems' },
    });
  });

  it('recognises throttling by HTTP 429 and by the SDK retry classification', () => {
    expect(isAwsThrottling(awsError('Whatever', { $metadata: { httpStatusCode: 429 } }))).toBe(true);
    expect(isAwsThrottling(awsError('Whatever', { $retryable: { throttling: true } }))).toBe(true);
    expect(isAwsThrottling(awsError('ValidationException'))).toBe(false);
    expect(isAwsThrottling('text')).toBe(false);
  });

  it('names a missing table or bucket as store_not_initialised, and the rest as store_error', () => {
    expect(awsStoreError('getItem', awsError('ResourceNotFoundException'))).toMatchObject({
      code: 'store_not_initialised',
      message: expect.stringContaining('lazaret dynamodb init'),
    });
    expect(awsStoreError('blob put', awsError('NoSuchBucket')).code).toBe('store_not_initialised');
    expect(awsStoreError('getItem', awsError('InternalServerError')).code).toBe('store_error');
    const own = new LazaretError('bad_cursor', 'x');
    expect(awsStoreError('listItems', own)).toBe(own);
  });
});
