import {
  Alert,
  Button,
  Checkbox,
  Code,
  Group,
  Loader,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { createToken, listTokens, revokeToken } from '../api/endpoints';
import { ErrorAlert } from '../components/error-alert';
import { formatDateTime } from '../lib/format';

const SCOPES = ['read', 'release', 'admin'];

export function TokensPage() {
  const queryClient = useQueryClient();
  const tokens = useQuery({ queryKey: ['tokens'], queryFn: listTokens });
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['read']);
  const [secret, setSecret] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => createToken({ name, scopes }),
    onSuccess: (answer) => {
      setSecret(answer.secret ?? answer.value ?? null);
      setName('');
      void queryClient.invalidateQueries({ queryKey: ['tokens'] });
    },
  });
  const revoke = useMutation({
    mutationFn: revokeToken,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['tokens'] }),
  });
  return (
    <Stack>
      <Title order={1} size="h3">
        API tokens
      </Title>
      {secret && (
        <Alert color="green" title="Token created">
          <Text size="sm">Copy it now; it will not be shown again.</Text>
          <Code block>{secret}</Code>
        </Alert>
      )}
      {tokens.isPending && <Loader aria-label="Loading tokens" />}
      {tokens.isError && <ErrorAlert error={tokens.error} title="Tokens cannot be listed" />}
      {revoke.isError && <ErrorAlert error={revoke.error} title="Not revoked" />}
      {tokens.data && (
        <Table.ScrollContainer minWidth={500}>
          <Table fz="sm" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Scopes</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>
                  <span className="sr-only">Actions</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {tokens.data.map((token) => (
                <Table.Tr key={token.id}>
                  <Table.Td>{token.name}</Table.Td>
                  <Table.Td>{token.scopes.join(', ')}</Table.Td>
                  <Table.Td>{token.createdAt ? formatDateTime(token.createdAt) : '–'}</Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      color="red"
                      variant="subtle"
                      onClick={() => revoke.mutate(token.id)}
                      aria-label={`Revoke ${token.name}`}
                    >
                      Revoke
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
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
            <Checkbox.Group label="Scopes" value={scopes} onChange={setScopes}>
              <Group mt={4}>
                {SCOPES.map((scope) => (
                  <Checkbox key={scope} value={scope} label={scope} />
                ))}
              </Group>
            </Checkbox.Group>
            <Group>
              <Button type="submit" loading={create.isPending} disabled={scopes.length === 0}>
                Create token
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
