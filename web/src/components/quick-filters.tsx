import { Group, Select } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { REASONS, STATUSES } from '../api/types';
import { daysAgo, termValue, withTerm } from '../lib/search-syntax';

const DATE_CHOICES = ['1', '7', '30'] as const;

/** The statuses of mail still waiting for a decision: held, or its release asked for. */
export const WAITING_STATUSES = 'quarantined,release_requested';

/** Reason, status and date filters; each edits its term in the search query, so the box shows it too. */
export function QuickFilters({ query, onChange }: { query: string; onChange(query: string): void }) {
  const { t } = useTranslation();
  const after = termValue(query, 'after');
  const dateChoice = DATE_CHOICES.find((choice) => after === daysAgo(Number(choice))) ?? null;
  return (
    <Group gap="xs" wrap="wrap">
      <Select
        label={t('filters.reason')}
        placeholder={t('filters.anyReason')}
        clearable
        w={150}
        data={REASONS.map((reason) => ({ value: reason, label: t(`reasons.${reason}`) }))}
        value={termValue(query, 'reason')}
        onChange={(value) => onChange(withTerm(query, 'reason', value))}
      />
      <Select
        label={t('filters.status')}
        placeholder={t('filters.waitingOrReleased')}
        clearable
        w={170}
        data={[
          { value: WAITING_STATUSES, label: t('filters.waiting') },
          ...STATUSES.map((status) => ({
            value: status,
            label: t(`statuses.${status}`),
          })),
        ]}
        value={termValue(query, 'status')}
        onChange={(value) => onChange(withTerm(query, 'status', value))}
      />
      <Select
        label={t('filters.received')}
        placeholder={t('filters.anyTime')}
        clearable
        w={160}
        data={DATE_CHOICES.map((days) => ({
          value: days,
          label: t('filters.lastDays', { days: Number(days) }),
        }))}
        value={dateChoice}
        onChange={(value) => onChange(withTerm(query, 'after', value ? daysAgo(Number(value)) : null))}
      />
    </Group>
  );
}
