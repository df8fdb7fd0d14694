import {
  Alert,
  Button,
  Code,
  Group,
  Loader,
  Paper,
  Select,
  Stack,
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
import { TokenTable } from '../components/token-table';

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
        <TokenTable tokens={tokens.data.tokens} onRevoke={(id) => revoke.mutate(id)} />
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
