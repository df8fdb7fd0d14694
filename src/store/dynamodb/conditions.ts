import { PK } from './table-layout.js';

/** The condition of an optimistic write: the record still has the version the writer read. */
export function versionIs(expected: number) {
  return {
    ConditionExpression: '#version = :expected',
    ExpressionAttributeNames: { '#version': 'version' },
    ExpressionAttributeValues: { ':expected': expected },
  };
}

/** The condition of a create: no record has this key yet. */
export const isNew = {
  ConditionExpression: 'attribute_not_exists(#pk)',
  ExpressionAttributeNames: { '#pk': PK },
} as const;
