import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Record_ } from './batch.js';
import type { DynamoConnection } from './dynamo-client.js';
import { PK, SK } from './table-layout.js';

export interface PartitionQuery {
  partition: string;
  /** Only sort keys strictly after (ascending) or before (descending) this one. */
  after?: string | undefined;
  descending: boolean;
  /** A FilterExpression over `#f0`, `#f1`, … names and `:f0`, … values, with their maps. */
  filter?: { expression: string; names: Record<string, string>; values: Record<string, unknown> } | undefined;
  pageSize?: number;
}

/**
 * Every record of one base-table partition in sort-key order, read lazily and strongly consistent,
 * optionally past a cursor and through a filter (which DynamoDB applies after reading).
 */
export async function* queryPartition(
  conn: DynamoConnection,
  query: PartitionQuery,
): AsyncGenerator<Record_> {
  let startKey: Record<string, unknown> | undefined;
  const names: Record<string, string> = { '#p': PK, ...(query.filter?.names ?? {}) };
  const values: Record<string, unknown> = { ':p': query.partition, ...(query.filter?.values ?? {}) };
  let condition = '#p = :p';
  if (query.after !== undefined) {
    names['#s'] = SK;
    values[':after'] = query.after;
    condition += query.descending ? ' AND #s < :after' : ' AND #s > :after';
  }
  do {
    const output = await conn.doc.send(
      new QueryCommand({
        TableName: conn.table,
        KeyConditionExpression: condition,
        ...(query.filter ? { FilterExpression: query.filter.expression } : {}),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: !query.descending,
        ConsistentRead: true,
        Limit: query.pageSize ?? 500,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const record of (output.Items ?? []) as Record_[]) yield record;
    startKey = output.LastEvaluatedKey;
  } while (startKey);
}
