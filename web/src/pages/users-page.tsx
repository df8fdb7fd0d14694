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
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { errorMessage } from '../api/client';
import { createUser, listUsers, setUserDisabled } from '../api/endpoints';
import { ErrorAlert } from '../components/error-alert';

export function UsersPage() {
  const { t } = useTranslation();
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
      notifications.show({ color: 'green', message: t('users.created') });
    },
  });
  const [generated, setGenerated] = useState<string | null>(null);
  const toggle = useMutation({
    mutationFn: ({ id, disabled }: { id: string; disabled: boolean }) => setUserDisabled(id, disabled),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['users'] }),
    onError: (error) =>
      notifications.show({ color: 'red', title: t('users.notChanged'), message: errorMessage(error) }),
  });
  return (
    <Stack>
      <Title order={1} size="h3">
        {t('nav.users')}
      </Title>
      {users.isPending && <Loader aria-label={t('users.loadingUsers')} />}
      {users.isError && <ErrorAlert error={users.error} title={t('users.usersCannotBeListed')} />}
      {users.data && users.data.users.length === 0 && (
        <Text size="sm" c="dimmed" data-testid="empty-state">
          {t('users.noUsersYetAdd')}
        </Text>
      )}
      {users.data && users.data.users.length > 0 && (
        <Table.ScrollContainer minWidth={600}>
          <Table fz="sm" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('signIn.email')}</Table.Th>
                <Table.Th>{t('users.role')}</Table.Th>
                <Table.Th>{t('users.domainsAddresses')}</Table.Th>
                <Table.Th>
                  <span className="sr-only">{t('common.actions')}</span>
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
                    <Badge variant="light">{t(`roles.${user.role}`)}</Badge>
                    {user.disabled && <Badge color="gray">{t('users.disabled')}</Badge>}
                  </Table.Td>
                  <Table.Td>{[...(user.domains ?? []), ...(user.addresses ?? [])].join(', ')}</Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      color={user.disabled ? undefined : 'red'}
                      variant="subtle"
                      onClick={() => toggle.mutate({ id: user.id, disabled: !user.disabled })}
                      aria-label={t(user.disabled ? 'users.enableUser' : 'users.disableUser', {
                        email: user.email,
                      })}
                    >
                      {user.disabled ? t('users.enable') : t('users.disable')}
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
              {t('users.add')}
            </Title>
            {create.isError && <ErrorAlert error={create.error} title={t('tokens.notCreated')} />}
            <TextInput
              label={t('signIn.email')}
              type="email"
              required
              value={email}
              onChange={(event) => setEmail(event.currentTarget.value)}
            />
            <Select
              label={t('users.role')}
              data={[
                { value: 'user', label: t('users.roles.user') },
                { value: 'domain_admin', label: t('users.roles.domain_admin') },
                { value: 'admin', label: t('users.roles.admin') },
              ]}
              value={role}
              onChange={setRole}
              allowDeselect={false}
            />
            {generated && (
              <Text size="sm" c="green">
                {t('users.generated')} <code>{generated}</code>
              </Text>
            )}
            <PasswordInput
              label={t('signIn.password')}
              description={t('users.passwordHint')}
              value={password}
              onChange={(event) => setPassword(event.currentTarget.value)}
            />
            {role === 'domain_admin' && (
              <TagsInput label={t('users.domains')} value={domains} onChange={setDomains} />
            )}
            {role === 'user' && (
              <TagsInput
                label={t('users.aliases')}
                description={t('users.aliasesHint')}
                value={addresses}
                onChange={setAddresses}
              />
            )}
            <Group>
              <Button type="submit" loading={create.isPending}>
                {t('users.addButton')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
      <Text size="xs" c="dimmed">
        {t('users.rolesDecideWhatPeople')}
      </Text>
    </Stack>
  );
}
