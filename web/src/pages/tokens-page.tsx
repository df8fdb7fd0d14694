import {
  Alert,
  Button,
  Code,
  Group,
  Loader,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { createToken, listTokens, listUsers, revokeToken } from '../api/endpoints';
import { ErrorAlert } from '../components/error-alert';
import { useSession } from '../components/session';
import { formatDateTime } from '../lib/format';

/** API tokens of one user (yourself by default): list, create (the secret is shown once), revoke. */
export function TokensPage() {
  const { t } = useTranslation();
  const { me } = useSession();
  const queryClient = useQueryClient();
  const users = useQuery({ queryKey: ['users'], queryFn: listUsers });
  const [params] = useSearchParams();
  const [userId, setUserId] = useState<string | null>(
    params.get('user') ?? (me?.local ? null : (me?.id ?? null)),
  );
  const tokens = useQuery({
    queryKey: ['tokens', userId],
    queryFn: () => listTokens(userId!),
    enabled: userId !== null,
  });
  const [name, setName] = useState('');
  const [scope, setScope] = useState<string | null>('read');
  const [expires, setExpires] = useState('90d');
  const [secret, setSecret] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => createToken(userId!, { name, scope: scope ?? 'read', ...(expires ? { expires } : {}) }),
    onSuccess: (answer) => {
      setSecret(answer.secret);
      setName('');
      void queryClient.invalidateQueries({ queryKey: ['tokens', userId] });
    },
  });
  const revoke = useMutation({
    mutationFn: revokeToken,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['tokens', userId] }),
  });
  return (
    <Stack>
      <Title order={1} size="h3">
        {t('nav.tokens')}
      </Title>
      {users.isError && <ErrorAlert error={users.error} title={t('tokens.usersCannotList')} />}
      <Select
        label={t('tokens.of')}
        w={320}
        searchable
        data={(users.data?.users ?? []).map((user) => ({ value: user.id, label: user.email }))}
        value={userId}
        onChange={setUserId}
        placeholder={t('tokens.chooseUser')}
      />
      {secret && (
        <Alert color="green" title={t('tokens.created')}>
          <Text size="sm">{t('tokens.copyNow')}</Text>
          <Code block>{secret}</Code>
        </Alert>
      )}
      {tokens.isPending && userId && <Loader aria-label={t('tokens.loadingTokens')} />}
      {tokens.isError && <ErrorAlert error={tokens.error} title={t('tokens.tokensCannotBeListed')} />}
      {revoke.isError && <ErrorAlert error={revoke.error} title={t('tokens.notRevoked')} />}
      {!userId && (
        <Text size="sm" c="dimmed" data-testid="empty-state">
          {t('tokens.chooseAUserTo')}
        </Text>
      )}
      {tokens.data && tokens.data.tokens.length === 0 && (
        <Text size="sm" c="dimmed" data-testid="empty-state">
          {t('tokens.noneYet')}
        </Text>
      )}
      {tokens.data && tokens.data.tokens.length > 0 && (
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
              {tokens.data.tokens.map((token) => (
                <Table.Tr key={token.id}>
                  <Table.Td>{token.name}</Table.Td>
                  <Table.Td>{token.scope}</Table.Td>
                  <Table.Td>{formatDateTime(token.createdAt)}</Table.Td>
                  <Table.Td>
                    {token.lastUsedAt ? formatDateTime(token.lastUsedAt) : t('tokens.never')}
                  </Table.Td>
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
                        onClick={() => revoke.mutate(token.id)}
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
      )}
      {userId && (
        <Paper withBorder p="md" maw={480}>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              create.mutate();
            }}
          >
            <Stack gap="sm">
              <Title order={2} size="h5">
                {t('tokens.new')}
              </Title>
              {create.isError && <ErrorAlert error={create.error} title={t('tokens.notCreated')} />}
              <TextInput
                label={t('tokens.name')}
                required
                value={name}
                onChange={(event) => setName(event.currentTarget.value)}
              />
              <Select
                label={t('tokens.scope')}
                allowDeselect={false}
                data={[
                  { value: 'read', label: t('tokens.scopes.read') },
                  { value: 'release', label: t('tokens.scopes.release') },
                  { value: 'admin', label: t('tokens.scopes.admin') },
                ]}
                value={scope}
                onChange={setScope}
              />
              <TextInput
                label={t('tokens.expires')}
                description={t('tokens.expiresHint')}
                value={expires}
                onChange={(event) => setExpires(event.currentTarget.value)}
              />
              <Group>
                <Button type="submit" loading={create.isPending}>
                  {t('tokens.create')}
                </Button>
              </Group>
            </Stack>
          </form>
        </Paper>
      )}
    </Stack>
  );
}
