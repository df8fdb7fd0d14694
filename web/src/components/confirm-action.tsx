import { Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BulkAction } from '../api/types';

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
  const { t } = useTranslation();
  const [recipients, setRecipients] = useState('');
  const parsed = recipients
    .split(/[\s,;]+/)
    .map((address) => address.trim())
    .filter(Boolean);
  const invalid = parsed.filter((address) => !/^[^@\s]+@[^@\s]+$/.test(address));
  const title = !pending
    ? ''
    : pending.force
      ? t('confirm.sendAgainTitle', { count: pending.count })
      : t(`confirm.title.${pending.action}`, { count: pending.count });
  const button = !pending
    ? ''
    : pending.force
      ? t('confirm.sendAgainButton', { count: pending.count })
      : t(`confirm.button.${pending.action}`, { count: pending.count });
  const destination = pending?.chooseRecipients
    ? t('confirm.toAddressesBelow')
    : pending?.recipients?.length
      ? t('confirm.toAddresses', { addresses: pending.recipients.join(', ') })
      : t('confirm.toTheirRecipients');
  return (
    <Modal
      opened={pending !== null}
      onClose={onCancel}
      title={title}
      centered
      closeButtonProps={{ 'aria-label': t('common.close') }}
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
                ? t('confirm.willDelete', { count: pending.count })
                : pending.force
                  ? t('confirm.willSendAgain', { destination })
                  : pending.action === 'release'
                    ? t('confirm.willDeliver', { count: pending.count, destination })
                    : t('confirm.willRequest', { count: pending.count })}
            </Text>
            {pending.chooseRecipients && (
              <Textarea
                label={t('confirm.deliverTo')}
                description={t('confirm.deliverToHint')}
                required
                autosize
                minRows={2}
                value={recipients}
                onChange={(event) => setRecipients(event.currentTarget.value)}
                error={
                  invalid.length ? t('confirm.notAnAddress', { addresses: invalid.join(', ') }) : undefined
                }
              />
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={onCancel}>
                {t('common.cancel')}
              </Button>
              <Button
                type="submit"
                color={pending.action === 'delete' ? 'red' : undefined}
                disabled={pending.chooseRecipients && (parsed.length === 0 || invalid.length > 0)}
                data-autofocus
              >
                {button}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
