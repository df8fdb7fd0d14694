import { LazaretError, storeError } from '../../core/errors.js';

/** Error names AWS services use for "slow down" (the SDK's own list, plus S3's). */
const THROTTLING_NAMES = new Set([
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
]);

interface AwsErrorShape {
  name?: unknown;
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number };
}

/** Whether an AWS SDK error is the service asking the caller to slow down. */
export function isAwsThrottling(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const shape = error as AwsErrorShape;
  return (
    (typeof shape.name === 'string' && THROTTLING_NAMES.has(shape.name)) ||
    shape.$retryable?.throttling === true ||
    shape.$metadata?.httpStatusCode === 429
  );
}

export function awsErrorName(error: unknown): string | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const name = (error as AwsErrorShape).name;
  return typeof name === 'string' ? name : undefined;
}

/** Whether a DynamoDB write was refused because its condition did not hold (the record changed). */
export function isConditionFailed(error: unknown): boolean {
  return awsErrorName(error) === 'ConditionalCheckFailedException';
}

/**
 * Maps an AWS SDK failure to the store's error codes: throttling that outlasted the SDK's retries
 * becomes `store_throttled` (the overload signal callers back off on), anything else `store_error`.
 */
export function awsStoreError(operation: string, cause: unknown): LazaretError {
  if (cause instanceof LazaretError) return cause;
  if (isAwsThrottling(cause)) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new LazaretError(
      'store_throttled',
      `Storage is throttling during ${operation}: ${reason}`,
      { operation },
      { cause },
    );
  }
  const name = awsErrorName(cause);
  if (name === 'ResourceNotFoundException' || name === 'NoSuchBucket') {
    return new LazaretError(
      'store_not_initialised',
      name === 'NoSuchBucket'
        ? `The S3 bucket does not exist (during ${operation}); create it first.`
        : `The DynamoDB table does not exist (during ${operation}); run \`lazaret dynamodb init\`.`,
      { operation },
      { cause },
    );
  }
  return storeError(operation, cause);
}
