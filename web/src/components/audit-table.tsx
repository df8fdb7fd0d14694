import { Anchor, Badge, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import type { AuditEntry } from '../api/types';
import { describeAuditEntry, targetPerson } from '../lib/audit-text';
import { formatDateTime } from '../lib/format';

const OUTCOME_COLOR: Record<AuditEntry['outcome'], string> = {
  ok: 'green',
  partial: 'orange',
  failed: 'red',
  denied: 'gray',
};

/** Audit entries in words: when, who (by email), what, and links to the job, items and user. */
export function AuditTable({ entries, showWho = true }: { entries: AuditEntry[]; showWho?: boolean }) {
  return (
    <Table.ScrollContainer minWidth={700}>
      <Table fz="sm" striped data-testid="audit-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th>
            {showWho && <Table.Th>Who</Table.Th>}
            <Table.Th>What</Table.Th>
            <Table.Th>Outcome</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {entries.map((entry) => {
            const items = entry.target.itemIds ?? [];
            const person = targetPerson(entry);
            return (
              <Table.Tr key={entry.id} data-testid="audit-entry">
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(entry.at)}</Table.Td>
                {showWho && (
                  <Table.Td>
                    {entry.actor.kind === 'system' ? (
                      <Text c="dimmed">{entry.actor.label}</Text>
                    ) : (
                      entry.actor.label
                    )}
                  </Table.Td>
                )}
                <Table.Td>
                  <span data-testid="audit-text">{describeAuditEntry(entry)}</span>
                  {entry.target.jobId && (
                    <>
                      {' · '}
                      <Anchor component={Link} to={`/jobs/${entry.target.jobId}`}>
                        job
                      </Anchor>
                    </>
                  )}
                  {!entry.target.jobId && items.length > 0 && items.length <= 3 && (
                    <>
                      {' · '}
                      {items.map((id, index) => (
                        <Anchor key={id} component={Link} to={`/quarantine/${id}`} mr={6}>
                          {items.length === 1 ? 'message' : `message ${index + 1}`}
                        </Anchor>
                      ))}
                    </>
                  )}
                  {entry.target.userId && person && !describeAuditEntry(entry).includes(person) && (
                    <>
                      {' · '}
                      <Anchor component={Link} to={`/admin/users/${entry.target.userId}`}>
                        {person}
                      </Anchor>
                    </>
                  )}
                </Table.Td>
                <Table.Td>
                  <Badge variant="light" color={OUTCOME_COLOR[entry.outcome]}>
                    {entry.outcome}
                  </Badge>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
