import { Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import type { BulkAction } from '../api/types';
import { plural } from '../lib/format';

export interface PendingAction {
  action: BulkAction;
  /** Exact number of messages the action will touch. */
  count: number;
  /** Ask for other recipients ("Release to…"). */
  chooseRecipients?: boolean;
}

const TITLE: Record<BulkAction, string> = {
  release: 'Release',
  delete: 'Delete',
  request_release: 'Request release of',
};

/** The confirmation every release and delete goes through; it states the exact count. */
export function ConfirmAction({
  pending,
  onCancel,
  onConfirm,
}: {
  pending: PendingAction | null;
  onCancel(): void;
  onConfirm(recipients?: string[]): void;
}) {
  const [recipients, setRecipients] = useState('');
  const parsed = recipients
    .split(/[\s,;]+/)
    .map((address) => address.trim())
    .filter(Boolean);
  const invalid = parsed.filter((address) => !/^[^@\s]+@[^@\s]+$/.test(address));
  const title = pending ? `${TITLE[pending.action]} ${plural(pending.count, 'message')}?` : '';
  return (
    <Modal opened={pending !== null} onClose={onCancel} title={title} centered>
      {pending && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            onConfirm(pending.chooseRecipients ? parsed : undefined);
            setRecipients('');
          }}
        >
          <Stack>
            <Text size="sm">
              {pending.action === 'delete'
                ? `${plural(pending.count, 'message')} will be deleted. Their content cannot be recovered.`
                : pending.action === 'release'
                  ? `${plural(pending.count, 'message')} will be delivered${pending.chooseRecipients ? ' to the addresses below' : ' to their recipients'}.`
                  : `An administrator will be asked to release ${plural(pending.count, 'message')}.`}
            </Text>
            {pending.chooseRecipients && (
              <Textarea
                label="Deliver to"
                description="One or more addresses, separated by commas or spaces"
                required
                autosize
                minRows={2}
                value={recipients}
                onChange={(event) => setRecipients(event.currentTarget.value)}
                error={invalid.length ? `Not an address: ${invalid.join(', ')}` : undefined}
              />
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={onCancel}>
                Cancel
              </Button>
              <Button
                type="submit"
                color={pending.action === 'delete' ? 'red' : undefined}
                disabled={pending.chooseRecipients && (parsed.length === 0 || invalid.length > 0)}
                data-autofocus
              >
                {title.replace(/\?$/, '')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
