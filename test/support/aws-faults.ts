import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';

/**
 * Faults DynamoDB shows under load but dynalite never does, injected into a real SDK client's
 * middleware stack. Requests that are "throttled" here never reach the emulator, as on AWS, where a
 * throttled request has no effect.
 */

interface Stack {
  middlewareStack: {
    add(
      middleware: (
        next: (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>,
        context: { commandName?: string },
      ) => (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>,
      options: { step: 'initialize' | 'deserialize'; name: string; priority?: 'high' | 'low' },
    ): void;
  };
}

export interface CallLog {
  calls: { command: string; input: Record<string, unknown> }[];
  count(command: string): number;
}

/** Records every call (one per command, before the SDK's retries) with its input. */
export function recordCalls(client: unknown): CallLog {
  const calls: CallLog['calls'] = [];
  (client as Stack).middlewareStack.add(
    (next, context) => async (args) => {
      calls.push({ command: context.commandName ?? '?', input: args.input });
      return next(args);
    },
    { step: 'initialize', name: 'testRecordCalls', priority: 'high' },
  );
  return { calls, count: (command) => calls.filter((call) => call.command === command).length };
}

export interface ThrottleInjector {
  /** Attempts answered with ProvisionedThroughputExceededException so far. */
  injected: number;
  /** Attempts let through. */
  passed: number;
  enabled: boolean;
}

/**
 * Answers a share of attempts (each SDK retry is an attempt) with ProvisionedThroughputExceededException
 * before they are sent, up to `limit` of them: a burst of overload, as when a job starts against a
 * table with too little capacity. The middleware sits below the SDK's retry middleware, so the
 * adaptive retry mode sees and handles these as it would real throttling (and slows the client down).
 */
export function injectThrottling(
  client: unknown,
  options: { share: number; random?: () => number; commands?: readonly string[]; limit?: number },
): ThrottleInjector {
  const random = options.random ?? Math.random;
  const state: ThrottleInjector = { injected: 0, passed: 0, enabled: true };
  (client as Stack).middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      const eligible = options.commands === undefined || options.commands.includes(command);
      const room = options.limit === undefined || state.injected < options.limit;
      if (state.enabled && eligible && room && random() < options.share) {
        state.injected += 1;
        throw new ProvisionedThroughputExceededException({
          message:
            'The level of configured provisioned throughput for the table was exceeded (injected by the test)',
          $metadata: { httpStatusCode: 400 },
        });
      }
      state.passed += 1;
      return next(args);
    },
    { step: 'deserialize', name: 'testInjectThrottling', priority: 'high' },
  );
  return state;
}

/**
 * Makes batch calls process only the first `keep` share of their requests and hand back the rest as
 * UnprocessedItems / UnprocessedKeys, as DynamoDB does when a partition is over its capacity.
 * Works on document-client calls (the input is seen before marshalling).
 */
export function injectUnprocessed(client: unknown, options: { keep: number }): { injected: number } {
  const state = { injected: 0 };
  (client as Stack).middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName;
      if (command !== 'BatchWriteItemCommand' && command !== 'BatchGetItemCommand') return next(args);
      const requestItems = args.input.RequestItems as Record<string, unknown>;
      const [table] = Object.keys(requestItems);
      if (table === undefined) return next(args);
      const isWrite = command === 'BatchWriteItemCommand';
      const all = isWrite
        ? (requestItems[table] as unknown[])
        : ((requestItems[table] as { Keys: unknown[] }).Keys as unknown[]);
      const kept = options.keep === 0 ? 0 : Math.max(1, Math.floor(all.length * options.keep));
      const rest = all.slice(kept);
      if (rest.length === 0) return next(args);
      state.injected += rest.length;
      if (kept === 0) {
        return {
          output: isWrite
            ? { UnprocessedItems: { [table]: rest } }
            : {
                Responses: { [table]: [] },
                UnprocessedKeys: { [table]: { ...(requestItems[table] as object), Keys: rest } },
              },
        };
      }
      const head = isWrite
        ? { [table]: all.slice(0, kept) }
        : { [table]: { ...(requestItems[table] as object), Keys: all.slice(0, kept) } };
      const result = await next({ ...args, input: { ...args.input, RequestItems: head } });
      result.output = isWrite
        ? { ...result.output, UnprocessedItems: { [table]: rest } }
        : {
            ...result.output,
            UnprocessedKeys: { [table]: { ...(requestItems[table] as object), Keys: rest } },
          };
      return result;
    },
    { step: 'initialize', name: 'testInjectUnprocessed', priority: 'low' },
  );
  return state;
}
