import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoConnection } from '../../src/store/dynamodb/dynamo-client.js';
import { INDEXES, PK, SK } from '../../src/store/dynamodb/table-layout.js';

type Item = Record<string, unknown>;

/** DynamoDB's item size rules: attribute names plus values (strings and binary by length, numbers ~ digits/2 + 1). */
export function itemSize(item: Item): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    size += Buffer.byteLength(name) + valueSize(value);
  }
  return size;
}

function valueSize(value: unknown): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') {
    const digits = String(Math.abs(value))
      .replace(/[.-]|e.*$/g, '')
      .replace(/^0+/, '').length;
    return Math.ceil(digits / 2) + 1;
  }
  if (Buffer.isBuffer(value)) return value.length;
  if (Array.isArray(value))
    return 3 + value.reduce((sum: number, element) => sum + valueSize(element) + 1, 0);
  if (typeof value === 'object') {
    let size = 3;
    for (const [name, inner] of Object.entries(value as Item)) {
      if (inner === undefined) continue;
      size += Buffer.byteLength(name) + valueSize(inner) + 1;
    }
    return size;
  }
  return 0;
}

const KB = 1024;
const writeUnits = (size: number) => Math.max(1, Math.ceil(size / KB));
const readUnits = (size: number, consistent: boolean) =>
  Math.max(1, Math.ceil(size / (4 * KB))) * (consistent ? 1 : 0.5);

/** The entry an item has in an index: table keys, index keys and projected attributes; undefined if not in it. */
function indexEntry(item: Item | undefined, spec: (typeof INDEXES)[keyof typeof INDEXES]): Item | undefined {
  if (!item || item[spec.partitionKey] === undefined || item[spec.sortKey] === undefined) return undefined;
  const names = [
    PK,
    SK,
    spec.partitionKey,
    spec.sortKey,
    ...(spec.projection === 'KEYS_ONLY' ? [] : spec.projection),
  ];
  return Object.fromEntries(
    names.filter((name) => item[name] !== undefined).map((name) => [name, item[name]]),
  );
}

export interface Costs {
  calls: Record<string, number>;
  /** Read capacity units, table and indexes. */
  readUnits: number;
  /** Write capacity units of the table. */
  tableWriteUnits: number;
  /** Write capacity units of the index entries that changed. */
  indexWriteUnits: number;
}

interface Stack {
  middlewareStack: {
    add(
      middleware: (
        next: (args: { input: Item }) => Promise<{ output: Item }>,
        context: { commandName?: string },
      ) => (args: { input: Item }) => Promise<{ output: Item }>,
      options: { step: 'initialize'; name: string; priority: 'high' },
    ): void;
  };
}

/**
 * Counts the calls a store makes and the capacity units DynamoDB would charge for them (dynalite
 * reports only the base table's units, and not for batches). Writes are priced from the records as
 * they were before and after, read through a second client that is not metered; index writes from
 * the index entries that changed (a changed key is a delete and a put).
 */
export class CostMeter {
  private costs: Costs = { calls: {}, readUnits: 0, tableWriteUnits: 0, indexWriteUnits: 0 };

  constructor(private readonly shadow: DynamoConnection) {}

  reset(): void {
    this.costs = { calls: {}, readUnits: 0, tableWriteUnits: 0, indexWriteUnits: 0 };
  }

  snapshot(): Costs {
    return structuredClone(this.costs);
  }

  attach(connection: DynamoConnection): void {
    (connection.client as unknown as Stack).middlewareStack.add(
      (next, context) => async (args) => {
        const command = (context.commandName ?? '?').replace(/Command$/, '');
        this.costs.calls[command] = (this.costs.calls[command] ?? 0) + 1;
        const writeKeys = this.writeKeys(command, args.input);
        const before = await Promise.all(writeKeys.map((key) => this.read(key)));
        let result: { output: Item } | undefined;
        try {
          result = await next(args);
          return result;
        } finally {
          const after = await Promise.all(writeKeys.map((key) => this.read(key)));
          for (const [index, old] of before.entries()) this.chargeWrite(old, after[index]);
          if (result) await this.chargeRead(command, args.input, result.output);
        }
      },
      { step: 'initialize', name: 'costMeter', priority: 'high' },
    );
  }

  private async read(key: Item): Promise<Item | undefined> {
    const output = await this.shadow.doc.send(
      new GetCommand({ TableName: this.shadow.table, Key: key, ConsistentRead: true }),
    );
    return output.Item as Item | undefined;
  }

  private writeKeys(command: string, input: Item): Item[] {
    const keyOf = (item: Item) => ({ [PK]: item[PK], [SK]: item[SK] });
    switch (command) {
      case 'PutItem':
        return [keyOf(input.Item as Item)];
      case 'UpdateItem':
      case 'DeleteItem':
        return [input.Key as Item];
      case 'BatchWriteItem':
        return Object.values(input.RequestItems as Record<string, Item[]>)
          .flat()
          .map((request) =>
            request.PutRequest
              ? keyOf((request.PutRequest as { Item: Item }).Item)
              : ((request.DeleteRequest as { Key: Item }).Key as Item),
          );
      default:
        return [];
    }
  }

  private chargeWrite(before: Item | undefined, after: Item | undefined): void {
    // A write is charged on the larger of the old and new record, also when its condition fails.
    this.costs.tableWriteUnits += writeUnits(
      Math.max(before ? itemSize(before) : 0, after ? itemSize(after) : 0),
    );
    for (const spec of Object.values(INDEXES)) {
      const old = indexEntry(before, spec);
      const now = indexEntry(after, spec);
      if (!old && !now) continue;
      if (old && now && JSON.stringify(old) === JSON.stringify(now)) continue;
      const sameKey =
        old &&
        now &&
        old[spec.partitionKey] === now[spec.partitionKey] &&
        old[spec.sortKey] === now[spec.sortKey];
      if (sameKey) this.costs.indexWriteUnits += writeUnits(itemSize(now!));
      else {
        if (old) this.costs.indexWriteUnits += writeUnits(itemSize(old));
        if (now) this.costs.indexWriteUnits += writeUnits(itemSize(now));
      }
    }
  }

  private async chargeRead(command: string, input: Item, output: Item): Promise<void> {
    switch (command) {
      case 'GetItem':
        this.costs.readUnits += readUnits(
          output.Item ? itemSize(output.Item as Item) : 0,
          input.ConsistentRead === true,
        );
        break;
      case 'BatchGetItem': {
        for (const [table, request] of Object.entries(input.RequestItems as Record<string, Item>)) {
          let found = ((output.Responses as Record<string, Item[]> | undefined)?.[table] ?? []) as Item[];
          const consistent = request.ConsistentRead === true;
          // A projection saves bandwidth, not units: reads are charged on the whole record.
          if (request.ProjectionExpression) {
            found = (
              await Promise.all(found.map((item) => this.read({ [PK]: item[PK], [SK]: item[SK] })))
            ).filter((item): item is Item => item !== undefined);
          }
          for (const item of found) this.costs.readUnits += readUnits(itemSize(item), consistent);
          const missing = (request.Keys as unknown[]).length - found.length;
          this.costs.readUnits += missing * readUnits(0, consistent);
        }
        break;
      }
      case 'Query': {
        const size = ((output.Items ?? []) as Item[]).reduce((sum, item) => sum + itemSize(item), 0);
        this.costs.readUnits += readUnits(
          size,
          input.ConsistentRead === true && input.IndexName === undefined,
        );
        break;
      }
    }
  }
}
