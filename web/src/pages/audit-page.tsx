import { Button, Group, Loader, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { type AuditFilter, listAudit } from '../api/endpoints';
import { AuditTable } from '../components/audit-table';
import { ErrorAlert } from '../components/error-alert';
import { AUDIT_ACTIONS } from '../lib/audit-text';

/** A date field's day (yyyy-mm-dd) as the start of that day in the browser's time zone, ISO. */
const startOfDay = (day: string) => new Date(`${day}T00:00:00`).toISOString();
const dayAfter = (day: string) => {
  const date = new Date(`${day}T00:00:00`);
  date.setDate(date.getDate() + 1);
  return date.toISOString();
};

const FIELDS = ['person', 'action', 'from', 'until', 'itemId', 'jobId'] as const;

/** The audit log: people by email, job entries as counts with a link, filters kept in the address. */
export function AuditPage() {
  const [params, setParams] = useSearchParams();
  const value = (name: (typeof FIELDS)[number]) => params.get(name) ?? '';
  const [draft, setDraft] = useState({ person: value('person'), action: value('action') });
  const [from, setFrom] = useState(value('from'));
  const [until, setUntil] = useState(value('until'));
  const filter: AuditFilter = {
    ...(value('person') ? { person: value('person') } : {}),
    ...(value('action') ? { action: value('action') } : {}),
    ...(value('from') ? { after: startOfDay(value('from')) } : {}),
    ...(value('until') ? { before: dayAfter(value('until')) } : {}),
    ...(value('itemId') ? { itemId: value('itemId') } : {}),
    ...(value('jobId') ? { jobId: value('jobId') } : {}),
  };
  const audit = useInfiniteQuery({
    queryKey: ['audit', filter],
    queryFn: ({ pageParam }) => listAudit(filter, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const entries = audit.data?.pages.flatMap((page) => page.entries) ?? [];
  const apply = () => {
    const next = new URLSearchParams();
    const chosen = { ...draft, from, until };
    for (const [name, each] of Object.entries(chosen)) if (each.trim()) next.set(name, each.trim());
    setParams(next);
  };
  const filtered = FIELDS.some((name) => params.get(name));
  return (
    <Stack>
      <Title order={1} size="h3">
        Audit log
      </Title>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          apply();
        }}
      >
        <Group align="flex-end" gap="xs" wrap="wrap">
          <TextInput
            label="Person"
            placeholder="name@example.com"
            type="email"
            value={draft.person}
            onChange={(event) => setDraft({ ...draft, person: event.currentTarget.value })}
          />
          <Select
            label="Action"
            placeholder="Any action"
            clearable
            searchable
            w={200}
            data={AUDIT_ACTIONS}
            value={draft.action || null}
            onChange={(action) => setDraft({ ...draft, action: action ?? '' })}
          />
          <TextInput
            label="From"
            type="date"
            value={from}
            onChange={(event) => setFrom(event.currentTarget.value)}
          />
          <TextInput
            label="Until"
            type="date"
            value={until}
            onChange={(event) => setUntil(event.currentTarget.value)}
          />
          <Button type="submit">Filter</Button>
          {filtered && (
            <Button
              variant="subtle"
              onClick={() => {
                setDraft({ person: '', action: '' });
                setFrom('');
                setUntil('');
                setParams(new URLSearchParams());
              }}
            >
              Clear
            </Button>
          )}
        </Group>
      </form>
      {(value('itemId') || value('jobId')) && (
        <Text size="sm" c="dimmed">
          Only entries about {value('jobId') ? 'one job' : 'one message'}.
        </Text>
      )}
      {audit.isPending && <Loader aria-label="Loading the audit log" />}
      {audit.isError && (
        <ErrorAlert
          error={audit.error}
          title="The audit log cannot be shown"
          onRetry={() => audit.refetch()}
        />
      )}
      {audit.data && entries.length === 0 && (
        <Text size="sm" c="dimmed" data-testid="empty-state">
          {filtered ? 'No audit entries match these filters.' : 'Nothing has been recorded yet.'}
        </Text>
      )}
      {entries.length > 0 && <AuditTable entries={entries} />}
      {audit.hasNextPage && (
        <Button
          variant="default"
          w="fit-content"
          onClick={() => audit.fetchNextPage()}
          loading={audit.isFetchingNextPage}
        >
          Older entries
        </Button>
      )}
    </Stack>
  );
}
