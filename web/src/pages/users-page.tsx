import {
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  Paper,
  PasswordInput,
  Select,
  Stack,
  Table,
  TagsInput,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { errorMessage } from '../api/client';
import { createUser, listUsers, setUserDisabled } from '../api/endpoints';
import { ErrorAlert } from '../components/error-alert';

export function UsersPage() {
  const queryClient = useQueryClient();
  const users = useQuery({ queryKey: ['users'], queryFn: listUsers });
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<string | null>('user');
  const [password, setPassword] = useState('');
  const [domains, setDomains] = useState<string[]>([]);
  const [addresses, setAddresses] = useState<string[]>([]);
  const create = useMutation({
    mutationFn: () =>
      createUser({ email, role: role ?? 'user', ...(password ? { password } : {}), domains, addresses }),
    onSuccess: (answer) => {
      setGenerated(answer.password ?? null);
      setEmail('');
      setPassword('');
      setDomains([]);
      setAddresses([]);
      void queryClient.invalidateQueries({ queryKey: ['users'] });
      notifications.show({ color: 'green', message: 'User created' });
    },
  });
  const [generated, setGenerated] = useState<string | null>(null);
  const toggle = useMutation({
    mutationFn: ({ id, disabled }: { id: string; disabled: boolean }) => setUserDisabled(id, disabled),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['users'] }),
    onError: (error) =>
      notifications.show({ color: 'red', title: 'Not removed', message: errorMessage(error) }),
  });
  return (
    <Stack>
      <Title order={1} size="h3">
        Users
      </Title>
      {users.isPending && <Loader aria-label="Loading users" />}
      {users.isError && <ErrorAlert error={users.error} title="Users cannot be listed" />}
      {users.data && users.data.users.length === 0 && (
        <Text size="sm" c="dimmed" data-testid="empty-state">
          No users yet. Add the first one below.
        </Text>
      )}
      {users.data && users.data.users.length > 0 && (
        <Table.ScrollContainer minWidth={600}>
          <Table fz="sm" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Email</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Domains / addresses</Table.Th>
                <Table.Th>
                  <span className="sr-only">Actions</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {users.data.users.map((user) => (
                <Table.Tr key={user.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/admin/users/${user.id}`}>
                      {user.email}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light">{user.role}</Badge>
                    {user.disabled && <Badge color="gray">disabled</Badge>}
                  </Table.Td>
                  <Table.Td>{[...(user.domains ?? []), ...(user.addresses ?? [])].join(', ')}</Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      color={user.disabled ? undefined : 'red'}
                      variant="subtle"
                      onClick={() => toggle.mutate({ id: user.id, disabled: !user.disabled })}
                      aria-label={`${user.disabled ? 'Enable' : 'Disable'} ${user.email}`}
                    >
                      {user.disabled ? 'Enable' : 'Disable'}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Paper withBorder p="md" maw={560}>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            create.mutate();
          }}
        >
          <Stack gap="sm">
            <Title order={2} size="h5">
              Add a user
            </Title>
            {create.isError && <ErrorAlert error={create.error} title="Not created" />}
            <TextInput
              label="Email"
              type="email"
              required
              value={email}
              onChange={(event) => setEmail(event.currentTarget.value)}
            />
            <Select
              label="Role"
              data={[
                { value: 'user', label: 'User: their own mail' },
                { value: 'domain_admin', label: 'Domain admin: their domains' },
                { value: 'admin', label: 'Administrator: everything' },
              ]}
              value={role}
              onChange={setRole}
              allowDeselect={false}
            />
            {generated && (
              <Text size="sm" c="green">
                Generated password (shown once): <code>{generated}</code>
              </Text>
            )}
            <PasswordInput
              label="Password"
              description="Leave empty to have one generated"
              value={password}
              onChange={(event) => setPassword(event.currentTarget.value)}
            />
            {role === 'domain_admin' && <TagsInput label="Domains" value={domains} onChange={setDomains} />}
            {role === 'user' && (
              <TagsInput
                label="Aliases"
                description="Other addresses whose mail this user sees"
                value={addresses}
                onChange={setAddresses}
              />
            )}
            <Group>
              <Button type="submit" loading={create.isPending}>
                Add user
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
      <Text size="xs" c="dimmed">
        Roles decide what people see: users only mail addressed to them, domain admins their domains. Open a
        user to change their role, password, second factor, digest and tokens, and to see what they did.
      </Text>
    </Stack>
  );
}
