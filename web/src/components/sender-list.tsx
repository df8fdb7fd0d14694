import { Button, Group, Loader, SegmentedControl, Stack, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage } from '../api/client';
import { type ListAction, type ListTarget, listEntries, putEntry, removeEntry } from '../api/digests';
import { formatDateTime } from '../lib/format';
import { ErrorAlert } from './error-alert';

/** One allow/block list (yours, a domain's or the global one): its entries, adding and removing. */
export function SenderList({ target, title }: { target: ListTarget; title: string }) {
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
        message: `${answer.entry.sender}: ${answer.entry.action === 'allow' ? 'allowed' : 'blocked'}`,
      });
    },
  });
  const remove = useMutation({
    mutationFn: removeEntry,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
    onError: (error) =>
      notifications.show({ color: 'red', title: 'Not removed', message: errorMessage(error) }),
  });
  const rows = entries.data?.entries ?? [];
  return (
    <Stack gap="sm" aria-label={title}>
      {entries.isPending && <Loader size="sm" aria-label="Loading the list" />}
      {entries.isError && <ErrorAlert error={entries.error} title="The list cannot be shown" />}
      {entries.isSuccess && rows.length === 0 && (
        <Text size="sm" c="dimmed">
          Nobody is on this list yet.
        </Text>
      )}
      {rows.length > 0 && (
        <Table fz="sm" striped data-testid="sender-list">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Sender</Table.Th>
              <Table.Th>Mail from them is</Table.Th>
              <Table.Th>Since</Table.Th>
              <Table.Th>
                <span className="sr-only">Actions</span>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((entry) => (
              <Table.Tr key={entry.id} data-testid="sender-entry">
                <Table.Td>{entry.sender}</Table.Td>
                <Table.Td>
                  {entry.action === 'allow' ? 'allowed (not held as spam)' : 'blocked (always held)'}
                </Table.Td>
                <Table.Td>{formatDateTime(entry.updatedAt)}</Table.Td>
                <Table.Td>
                  <Button
                    size="xs"
                    variant="subtle"
                    color="red"
                    onClick={() => remove.mutate(entry.id)}
                    aria-label={`Remove ${entry.sender}`}
                  >
                    Remove
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
            label="Sender address or domain"
            placeholder="news@shop.example or shop.example"
            required
            value={sender}
            onChange={(event) => setSender(event.currentTarget.value)}
            w={300}
          />
          <SegmentedControl
            aria-label="Allow or block"
            data={[
              { value: 'block', label: 'Block' },
              { value: 'allow', label: 'Allow' },
            ]}
            value={action}
            onChange={(next) => setAction(next as ListAction)}
          />
          <Button type="submit" loading={add.isPending}>
            Add
          </Button>
        </Group>
      </form>
      {add.isError && <ErrorAlert error={add.error} title="Not added" />}
    </Stack>
  );
}
