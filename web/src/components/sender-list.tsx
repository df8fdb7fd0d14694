import { Button, Group, Loader, SegmentedControl, Stack, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorMessage } from '../api/client';
import { type ListAction, type ListTarget, listEntries, putEntry, removeEntry } from '../api/digests';
import { formatDateTime } from '../lib/format';
import { ErrorAlert } from './error-alert';

/** One allow/block list (yours, a domain's or the global one): its entries, adding and removing. */
export function SenderList({ target, title }: { target: ListTarget; title: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const key = ['lists', target.scope ?? 'own', target.domain ?? ''];
  const entries = useQuery({ queryKey: key, queryFn: () => listEntries(target) });
  const [sender, setSender] = useState('');
  const [action, setAction] = useState<ListAction>('block');
  const add = useMutation({
    mutationFn: () => putEntry(target, action, sender),
    onSuccess: (answer) => {
      setSender('');
      void queryClient.invalidateQueries({ queryKey: key });
      notifications.show({
        color: 'green',
        message: t(answer.entry.action === 'allow' ? 'senders.addedAllowed' : 'senders.addedBlocked', {
          sender: answer.entry.sender,
        }),
      });
    },
  });
  const remove = useMutation({
    mutationFn: removeEntry,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
    onError: (error) =>
      notifications.show({ color: 'red', title: t('senders.notRemoved'), message: errorMessage(error) }),
  });
  const rows = entries.data?.entries ?? [];
  return (
    <Stack gap="sm" aria-label={title}>
      {entries.isPending && <Loader size="sm" aria-label={t('senders.loading')} />}
      {entries.isError && <ErrorAlert error={entries.error} title={t('senders.cannotShow')} />}
      {entries.isSuccess && rows.length === 0 && (
        <Text size="sm" c="dimmed">
          {t('senders.empty')}
        </Text>
      )}
      {rows.length > 0 && (
        <Table fz="sm" striped data-testid="sender-list">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('senders.sender')}</Table.Th>
              <Table.Th>{t('senders.mailIs')}</Table.Th>
              <Table.Th>{t('senders.since')}</Table.Th>
              <Table.Th>
                <span className="sr-only">{t('common.actions')}</span>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((entry) => (
              <Table.Tr key={entry.id} data-testid="sender-entry">
                <Table.Td>{entry.sender}</Table.Td>
                <Table.Td>{entry.action === 'allow' ? t('senders.allowed') : t('senders.blocked')}</Table.Td>
                <Table.Td>{formatDateTime(entry.updatedAt)}</Table.Td>
                <Table.Td>
                  <Button
                    size="xs"
                    variant="subtle"
                    color="red"
                    onClick={() => remove.mutate(entry.id)}
                    aria-label={t('senders.removeSender', { sender: entry.sender })}
                  >
                    {t('common.remove')}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          add.mutate();
        }}
      >
        <Group align="flex-end" gap="sm">
          <TextInput
            label={t('senders.addressLabel')}
            placeholder={t('senders.addressPlaceholder')}
            required
            value={sender}
            onChange={(event) => setSender(event.currentTarget.value)}
            w={300}
          />
          <SegmentedControl
            aria-label={t('senders.allowOrBlock')}
            data={[
              { value: 'block', label: t('senders.block') },
              { value: 'allow', label: t('senders.allow') },
            ]}
            value={action}
            onChange={(next) => setAction(next as ListAction)}
          />
          <Button type="submit" loading={add.isPending}>
            {t('common.add')}
          </Button>
        </Group>
      </form>
      {add.isError && <ErrorAlert error={add.error} title={t('senders.notAdded')} />}
    </Stack>
  );
}
