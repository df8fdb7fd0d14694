import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { newId } from '../../src/core/ids.js';
import {
  connectDynamo,
  type DynamoConnection,
  type DynamoConnectionOptions,
} from '../../src/store/dynamodb/dynamo-client.js';
import { ensureTable } from '../../src/store/dynamodb/table-setup.js';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, type Emulators } from './aws-emulators.js';

export interface DynamoTable {
  table: string;
  /** A new client over the table; `onClient` can add test middleware before first use. */
  connect(options?: Partial<DynamoConnectionOptions>): DynamoConnection;
  drop(): Promise<void>;
}

/** A new, empty table set up by `ensureTable` (as `lazaret dynamodb init` does) on the emulator. */
export async function freshTable(emulators: Emulators, prefix = 'test'): Promise<DynamoTable> {
  const table = `${prefix}-${newId()}`;
  const connections: DynamoConnection[] = [];
  const connect = (options: Partial<DynamoConnectionOptions> = {}) => {
    const connection = connectDynamo({
      table,
      endpoint: emulators.dynamoEndpoint,
      region: EMULATOR_REGION,
      credentials: EMULATOR_CREDENTIALS,
      ...options,
    });
    connections.push(connection);
    return connection;
  };
  const admin = connect();
  await ensureTable(admin.client, table, { capacity: { mode: 'on-demand' }, pollIntervalMs: 10 });
  return {
    table,
    connect,
    async drop() {
      await admin.client.send(new DeleteTableCommand({ TableName: table }));
      for (const connection of connections) connection.close();
    },
  };
}
