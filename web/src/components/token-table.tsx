import { Button, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ApiToken } from '../api/types';
import { formatDateTime } from '../lib/format';

/** A person's API tokens, each with its revoke button (a revoked one says so instead). */
export function TokenTable({
  tokens,
  onRevoke,
}: {
  tokens: readonly ApiToken[];
  onRevoke: (id: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <Table.ScrollContainer minWidth={560}>
      <Table fz="sm" striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('tokens.name')}</Table.Th>
            <Table.Th>{t('tokens.scope')}</Table.Th>
            <Table.Th>{t('tokens.createdAt')}</Table.Th>
            <Table.Th>{t('tokens.lastUsed')}</Table.Th>
            <Table.Th>
              <span className="sr-only">{t('common.actions')}</span>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {tokens.map((token) => (
            <Table.Tr key={token.id}>
              <Table.Td>{token.name}</Table.Td>
              <Table.Td>{token.scope}</Table.Td>
              <Table.Td>{formatDateTime(token.createdAt)}</Table.Td>
              <Table.Td>{token.lastUsedAt ? formatDateTime(token.lastUsedAt) : t('tokens.never')}</Table.Td>
              <Table.Td>
                {token.revokedAt ? (
                  <Text size="xs" c="dimmed">
                    {t('tokens.revoked')}
                  </Text>
                ) : (
                  <Button
                    size="xs"
                    color="red"
                    variant="subtle"
                    onClick={() => onRevoke(token.id)}
                    aria-label={t('tokens.revokeName', { name: token.name })}
                  >
                    {t('tokens.revoke')}
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
