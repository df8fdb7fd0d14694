import { isAwsThrottling } from './aws-errors.js';

export interface ThrottleEvent {
  service: 'dynamodb' | 's3';
  /** SDK command name, e.g. `BatchWriteItemCommand`. */
  operation: string;
}

interface StackOwner {
  middlewareStack: {
    addRelativeTo(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { relation: 'after'; toMiddleware: string; name: string; override?: boolean },
    ): void;
  };
}

/**
 * Counts every throttled attempt of the AWS calls of the clients it is attached to, including those
 * the SDK then retried successfully, and tells its listeners. This is the DynamoDB/S3 stores'
 * overload signal: the adaptive retry mode already slows this client down; listeners (metrics, the
 * bulk engine's window) can slow the whole node.
 */
export class ThrottleMonitor {
  private throttled = 0;
  private readonly listeners = new Set<(event: ThrottleEvent) => void>();

  /** Throttled attempts seen so far. */
  get count(): number {
    return this.throttled;
  }

  /** Calls `listener` on each throttled attempt; answers a function that removes it. */
  onThrottle(listener: (event: ThrottleEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  record(event: ThrottleEvent): void {
    this.throttled += 1;
    for (const listener of this.listeners) listener(event);
  }

  /** Adds a middleware below the SDK's retry middleware, so that it sees each attempt. */
  attach(client: unknown, service: ThrottleEvent['service']): void {
    (client as StackOwner).middlewareStack.addRelativeTo(
      (next, context) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          if (isAwsThrottling(error)) this.record({ service, operation: context.commandName ?? 'unknown' });
          throw error;
        }
      },
      { relation: 'after', toMiddleware: 'retryMiddleware', name: 'lazaretThrottleMonitor', override: true },
    );
  }
}
