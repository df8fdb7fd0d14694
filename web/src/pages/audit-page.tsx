import { Anchor, Badge, Button, Group, Loader, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { listAudit } from '../api/endpoints';
import { ErrorAlert } from '../components/error-alert';
import { formatDateTime } from '../lib/format';

export function AuditPage() {
  const [draft, setDraft] = useState({ action: '', actor: '', itemId: '', jobId: '' });
  const [filter, setFilter] = useState(draft);
  const audit = useInfiniteQuery({
    queryKey: ['audit', filter],
    queryFn: ({ pageParam }) =>
      listAudit(
        Object.fromEntries(Object.entries(filter).filter(([, value]) => value.trim() !== '')),
        pageParam,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const entries = audit.data?.pages.flatMap((page) => page.entries) ?? [];
  return (
    <Stack>
      <Title order={1} size="h3">
        Audit log
      </Title>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setFilter(draft);
        }}
      >
        <Group align="flex-end" gap="xs">
          <TextInput
            label="Action"
            placeholder="item.release"
            value={draft.action}
            onChange={(event) => setDraft({ ...draft, action: event.currentTarget.value })}
          />
          <TextInput
            label="Actor id"
            value={draft.actor}
            onChange={(event) => setDraft({ ...draft, actor: event.currentTarget.value })}
          />
          <TextInput
            label="Item id"
            value={draft.itemId}
            onChange={(event) => setDraft({ ...draft, itemId: event.currentTarget.value })}
          />
          <TextInput
            label="Job id"
            value={draft.jobId}
            onChange={(event) => setDraft({ ...draft, jobId: event.currentTarget.value })}
          />
          <Button type="submit">Filter</Button>
        </Group>
      </form>
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
          No audit entries match these filters.
        </Text>
      )}
      {audit.data && entries.length > 0 && (
        <Table.ScrollContainer minWidth={700}>
          <Table fz="sm" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>Who</Table.Th>
                <Table.Th>Action</Table.Th>
                <Table.Th>Target</Table.Th>
                <Table.Th>Outcome</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {entries.map((entry) => (
                <Table.Tr key={entry.id}>
                  <Table.Td>{formatDateTime(entry.at)}</Table.Td>
                  <Table.Td>{entry.actor.label}</Table.Td>
                  <Table.Td>{entry.action}</Table.Td>
                  <Table.Td>
                    {entry.target.jobId && (
                      <Anchor component={Link} to={`/jobs/${entry.target.jobId}`}>
                        job {entry.target.jobId}
                      </Anchor>
                    )}
                    {entry.target.itemIds?.slice(0, 3).map((id) => (
                      <Anchor key={id} component={Link} to={`/quarantine/${id}`} mr={6}>
                        {id.slice(-6)}
                      </Anchor>
                    ))}
                    {entry.target.userId ?? ''}
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={entry.outcome === 'ok' ? 'green' : 'orange'}>
                      {entry.outcome}
                    </Badge>
                    {entry.counts && Object.entries(entry.counts).map(([name, n]) => ` ${name}: ${n}`)}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
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
