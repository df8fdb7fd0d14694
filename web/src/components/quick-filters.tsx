import { Group, Select } from '@mantine/core';
import { REASONS, STATUSES } from '../api/types';
import { daysAgo, termValue, withTerm } from '../lib/search-syntax';

const DATE_CHOICES = [
  { value: '1', label: 'Last 24 hours' },
  { value: '7', label: 'Last 7 days' },
  { value: '30', label: 'Last 30 days' },
];

/** The statuses of mail still waiting for a decision: held, or its release asked for. */
export const WAITING_STATUSES = 'quarantined,release_requested';

/** Reason, status and date filters; each edits its term in the search query, so the box shows it too. */
export function QuickFilters({ query, onChange }: { query: string; onChange(query: string): void }) {
  const after = termValue(query, 'after');
  const dateChoice = DATE_CHOICES.find((choice) => after === daysAgo(Number(choice.value)))?.value ?? null;
  return (
    <Group gap="xs" wrap="wrap">
      <Select
        label="Reason"
        placeholder="Any reason"
        clearable
        w={150}
        data={REASONS.map((reason) => ({ value: reason, label: reason }))}
        value={termValue(query, 'reason')}
        onChange={(value) => onChange(withTerm(query, 'reason', value))}
      />
      <Select
        label="Status"
        placeholder="Waiting or released"
        clearable
        w={170}
        data={[
          { value: WAITING_STATUSES, label: 'waiting' },
          ...STATUSES.map((status) => ({
            value: status,
            label: status.replace('_', ' '),
          })),
        ]}
        value={termValue(query, 'status')}
        onChange={(value) => onChange(withTerm(query, 'status', value))}
      />
      <Select
        label="Received"
        placeholder="Any time"
        clearable
        w={160}
        data={DATE_CHOICES}
        value={dateChoice}
        onChange={(value) => onChange(withTerm(query, 'after', value ? daysAgo(Number(value)) : null))}
      />
    </Group>
  );
}
