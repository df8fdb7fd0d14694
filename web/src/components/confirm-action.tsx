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
  /** Who a release delivers to, when known (one message): named in the confirmation. */
  recipients?: readonly string[];
  /** Send again although released (or interrupted) before: a second copy may arrive. */
  force?: boolean;
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
  const title = !pending
    ? ''
    : pending.force
      ? `Send ${plural(pending.count, 'message')} again?`
      : `${TITLE[pending.action]} ${plural(pending.count, 'message')}?`;
  const destination = pending?.chooseRecipients
    ? 'to the addresses below'
    : pending?.recipients?.length
      ? `to ${pending.recipients.join(', ')}`
      : 'to their recipients';
  return (
    <Modal
      opened={pending !== null}
      onClose={onCancel}
      title={title}
      centered
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
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
                : pending.force
                  ? `This was delivered before, or may have been: sending it again delivers another copy ${destination}.`
                  : pending.action === 'release'
                    ? `${plural(pending.count, 'message')} will be delivered ${destination}.`
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
