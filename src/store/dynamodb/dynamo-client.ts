import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AdaptiveRetryStrategy, DefaultRateLimiter } from '@smithy/core/retry';
import { ThrottleMonitor } from '../aws/throttle-monitor.js';

export interface DynamoConnectionOptions {
  table: string;
  region?: string | undefined;
  endpoint?: string | undefined;
  /** Attempts per call in the SDK's adaptive retry mode (default 8). */
  maxAttempts?: number | undefined;
  /**
   * Requests per second below which the adaptive mode's client-side rate limiter never goes
   * (default 25). The SDK's own floor, 0.5/s, is reached when the first throttle comes before the
   * limiter has measured any rate, and leaves a busy node crawling for minutes.
   */
  minSendRate?: number | undefined;
  /** Fixed credentials, for emulators; otherwise the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** Further client settings (tests use it for a faster retry strategy). */
  clientConfig?: Partial<DynamoDBClientConfig> | undefined;
  /** Called with each new client before its first call, e.g. to add a fault-injecting middleware. */
  onClient?: ((client: DynamoDBClient) => void) | undefined;
  /** Shared counter of throttled attempts; one is made when absent. */
  throttle?: ThrottleMonitor | undefined;
  /** Retrying what a batch call left unprocessed: rounds before giving up, first back-off (default 12, 25 ms). */
  unprocessedRetry?: UnprocessedRetry | undefined;
}

export interface UnprocessedRetry {
  rounds: number;
  baseDelayMs: number;
}

export interface DynamoConnection {
  table: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  throttle: ThrottleMonitor;
  unprocessedRetry: UnprocessedRetry;
  close(): void;
}

/**
 * One DynamoDB client in the SDK's `adaptive` retry mode (its AdaptiveRetryStrategy, with a floor
 * under the rate limiter): throttled calls are retried with back-off and the client's own send rate
 * adapts, rather than a retry loop of our own. Throttled attempts are
 * counted by the ThrottleMonitor; a call still throttled after `maxAttempts` rejects, and the stores
 * turn that into `store_throttled`.
 */
export function connectDynamo(options: DynamoConnectionOptions): DynamoConnection {
  const maxAttempts = options.maxAttempts ?? 8;
  const client = new DynamoDBClient({
    retryMode: 'adaptive',
    maxAttempts,
    retryStrategy: new AdaptiveRetryStrategy(maxAttempts, {
      rateLimiter: new DefaultRateLimiter({ minFillRate: options.minSendRate ?? 25 }),
    }),
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...options.clientConfig,
  });
  const throttle = options.throttle ?? new ThrottleMonitor();
  throttle.attach(client, 'dynamodb');
  options.onClient?.(client);
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
    unmarshallOptions: { wrapNumbers: false },
  });
  return {
    table: options.table,
    client,
    doc,
    throttle,
    unprocessedRetry: options.unprocessedRetry ?? { rounds: 12, baseDelayMs: 25 },
    close: () => client.destroy(),
  };
}
