import type { Logger } from 'pino';
import type { ThrottleMonitor } from '../aws/throttle-monitor.js';
import { DynamoAuditStore } from './dynamo-audit-store.js';
import { connectDynamo, type DynamoConnectionOptions } from './dynamo-client.js';
import { DynamoItemStore } from './dynamo-item-store.js';
import { DynamoJobStore } from './dynamo-job-store.js';
import { DynamoUserStore } from './dynamo-user-store.js';
import { verifyTable } from './table-setup.js';

export interface DynamoStores {
  items: DynamoItemStore;
  audit: DynamoAuditStore;
  users: DynamoUserStore;
  jobs: DynamoJobStore;
  throttle: ThrottleMonitor;
  close(): Promise<void>;
}

/** One client for all DynamoDB stores of the process; fails at once if the table is not set up. */
export async function openDynamoStores(
  options: DynamoConnectionOptions & { ttlGraceDays: number; logger?: Logger },
): Promise<DynamoStores> {
  const connection = connectDynamo(options);
  try {
    await verifyTable(connection.client, connection.table);
  } catch (error) {
    connection.close();
    throw error;
  }
  const items = new DynamoItemStore({
    connection,
    ownsConnection: false,
    ttlGraceDays: options.ttlGraceDays,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const audit = new DynamoAuditStore(connection);
  const users = new DynamoUserStore(connection, { ttlGraceDays: options.ttlGraceDays });
  return {
    items,
    audit,
    users,
    jobs: new DynamoJobStore(connection),
    throttle: connection.throttle,
    async close() {
      connection.close();
    },
  };
}
