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
import { useSearchParams } from 'react-router';
import { createToken, listTokens, listUsers, revokeToken } from '../api/endpoints';
import { ErrorAlert } from '../components/error-alert';
import { useSession } from '../components/session';
import { formatDateTime } from '../lib/format';

/** API tokens of one user (yourself by default): list, create (the secret is shown once), revoke. */
export function TokensPage() {
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
        API tokens
      </Title>
      {users.isError && <ErrorAlert error={users.error} title="Users cannot be listed" />}
      <Select
        label="Tokens of"
        w={320}
        searchable
        data={(users.data?.users ?? []).map((user) => ({ value: user.id, label: user.email }))}
        value={userId}
        onChange={setUserId}
        placeholder="Choose a user"
      />
      {secret && (
        <Alert color="green" title="Token created">
          <Text size="sm">Copy it now; it will not be shown again.</Text>
          <Code block>{secret}</Code>
        </Alert>
      )}
      {tokens.isPending && userId && <Loader aria-label="Loading tokens" />}
      {tokens.isError && <ErrorAlert error={tokens.error} title="Tokens cannot be listed" />}
      {revoke.isError && <ErrorAlert error={revoke.error} title="Not revoked" />}
      {!userId && (
        <Text size="sm" c="dimmed" data-testid="empty-state">
          Choose a user to see their tokens.
        </Text>
      )}
      {tokens.data && tokens.data.tokens.length === 0 && (
        <Text size="sm" c="dimmed" data-testid="empty-state">
          No API tokens yet. Create one below; its secret is shown once.
        </Text>
      )}
      {tokens.data && tokens.data.tokens.length > 0 && (
        <Table.ScrollContainer minWidth={560}>
          <Table fz="sm" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Scope</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Last used</Table.Th>
                <Table.Th>
                  <span className="sr-only">Actions</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {tokens.data.tokens.map((token) => (
                <Table.Tr key={token.id}>
                  <Table.Td>{token.name}</Table.Td>
                  <Table.Td>{token.scope}</Table.Td>
                  <Table.Td>{formatDateTime(token.createdAt)}</Table.Td>
                  <Table.Td>{token.lastUsedAt ? formatDateTime(token.lastUsedAt) : 'never'}</Table.Td>
                  <Table.Td>
                    {token.revokedAt ? (
                      <Text size="xs" c="dimmed">
                        revoked
                      </Text>
                    ) : (
                      <Button
                        size="xs"
                        color="red"
                        variant="subtle"
                        onClick={() => revoke.mutate(token.id)}
                        aria-label={`Revoke ${token.name}`}
                      >
                        Revoke
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
                New token
              </Title>
              {create.isError && <ErrorAlert error={create.error} title="Not created" />}
              <TextInput
                label="Name"
                required
                value={name}
                onChange={(event) => setName(event.currentTarget.value)}
              />
              <Select
                label="Scope"
                allowDeselect={false}
                data={[
                  { value: 'read', label: 'read: list and look' },
                  { value: 'release', label: 'release: also release and delete' },
                  { value: 'admin', label: 'admin: everything' },
                ]}
                value={scope}
                onChange={setScope}
              />
              <TextInput
                label="Expires after"
                description="e.g. 12h, 30d, 2w; empty for never"
                value={expires}
                onChange={(event) => setExpires(event.currentTarget.value)}
              />
              <Group>
                <Button type="submit" loading={create.isPending}>
                  Create token
                </Button>
              </Group>
            </Stack>
          </form>
        </Paper>
      )}
    </Stack>
  );
}
