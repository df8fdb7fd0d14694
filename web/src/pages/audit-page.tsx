import { Anchor, Badge, Button, Group, Loader, Stack, Table, TextInput, Title } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { listAudit } from '../api/endpoints';
import { ErrorAlert } from '../components/error-alert';
import { formatDateTime } from '../lib/format';

export function AuditPage() {
  const { t } = useTranslation();
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
        {t('audit.title')}
      </Title>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setFilter(draft);
        }}
      >
        <Group align="flex-end" gap="xs">
          <TextInput
            label={t('audit.action')}
            placeholder={t('audit.actionPlaceholder')}
            value={draft.action}
            onChange={(event) => setDraft({ ...draft, action: event.currentTarget.value })}
          />
          <TextInput
            label={t('audit.actorId')}
            value={draft.actor}
            onChange={(event) => setDraft({ ...draft, actor: event.currentTarget.value })}
          />
          <TextInput
            label={t('audit.itemId')}
            value={draft.itemId}
            onChange={(event) => setDraft({ ...draft, itemId: event.currentTarget.value })}
          />
          <TextInput
            label={t('audit.jobId')}
            value={draft.jobId}
            onChange={(event) => setDraft({ ...draft, jobId: event.currentTarget.value })}
          />
          <Button type="submit">{t('audit.filter')}</Button>
        </Group>
      </form>
      {audit.isPending && <Loader aria-label={t('audit.loading')} />}
      {audit.isError && (
        <ErrorAlert error={audit.error} title={t('audit.cannotShow')} onRetry={() => audit.refetch()} />
      )}
      {audit.data && (
        <Table.ScrollContainer minWidth={700}>
          <Table fz="sm" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('audit.when')}</Table.Th>
                <Table.Th>{t('audit.who')}</Table.Th>
                <Table.Th>{t('audit.action')}</Table.Th>
                <Table.Th>{t('audit.target')}</Table.Th>
                <Table.Th>{t('audit.outcome')}</Table.Th>
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
                        {t('audit.job', { id: entry.target.jobId })}
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
                      {t(`outcomes.${entry.outcome}`, { defaultValue: entry.outcome })}
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
          {t('audit.older')}
        </Button>
      )}
    </Stack>
  );
}
