import {
  Alert,
  Anchor,
  Badge,
  Button,
  Code,
  Group,
  Loader,
  Modal,
  Paper,
  Select,
  Stack,
  Table,
  TagsInput,
  Text,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import {
  describeSchedule,
  getUserDigestSettings,
  resetUserDigestSettings,
  saveUserDigestSettings,
} from '../api/digests';
import {
  getUser,
  listAudit,
  listTokens,
  resetPassword,
  resetSecondFactor,
  revokeToken,
  setUserDisabled,
  updateUser,
} from '../api/endpoints';
import type { User } from '../api/types';
import { AuditTable } from '../components/audit-table';
import { ErrorAlert } from '../components/error-alert';
import { ScheduleForm } from '../components/schedule-form';
import { useSession } from '../components/session';
import { formatDateTime } from '../lib/format';

const ROLE_LABEL: Record<User['role'], string> = {
  user: 'User: their own mail',
  domain_admin: 'Domain admin: their domains',
  admin: 'Administrator: everything',
};
const RECENT_AUDIT = 20;

/** One user: role and what they see, release mode, digest, sign-in (password, second factor), tokens, recent audit. */
export function UserPage() {
  const { id = '' } = useParams();
  const user = useQuery({ queryKey: ['user', id], queryFn: () => getUser(id) });
  return (
    <Stack>
      <Anchor component={Link} to="/admin/users" size="sm">
        ← All users
      </Anchor>
      {user.isPending && <Loader aria-label="Loading the user" />}
      {user.isError && (
        <ErrorAlert error={user.error} title="This user cannot be shown" onRetry={() => user.refetch()} />
      )}
      {user.data && <UserDetail key={user.data.updatedAt} user={user.data} />}
    </Stack>
  );
}

function UserDetail({ user }: { user: User }) {
  const { me } = useSession();
  const queryClient = useQueryClient();
  const self = me?.id === user.id;
  const changed = (next: User) => {
    queryClient.setQueryData(['user', user.id], next);
    void queryClient.invalidateQueries({ queryKey: ['users'] });
    void queryClient.invalidateQueries({ queryKey: ['user-audit', user.email] });
  };
  const toggle = useMutation({
    mutationFn: () => setUserDisabled(user.id, !user.disabled),
    onSuccess: (answer) => {
      changed(answer.user);
      notifications.show({
        color: 'green',
        message: `${user.email} ${answer.user.disabled ? 'disabled' : 'enabled'}`,
      });
    },
  });
  const [askPassword, setAskPassword] = useState(false);
  const [generated, setGenerated] = useState<string | null>(null);
  const password = useMutation({
    mutationFn: () => resetPassword(user.id),
    onSuccess: (answer) => {
      setAskPassword(false);
      setGenerated(answer.password ?? null);
      changed(answer.user);
    },
  });
  const [askTotp, setAskTotp] = useState(false);
  const totp = useMutation({
    mutationFn: () => resetSecondFactor(user.id),
    onSuccess: async () => {
      setAskTotp(false);
      changed(await getUser(user.id));
      notifications.show({ color: 'green', message: `Second factor of ${user.email} removed` });
    },
  });
  return (
    <Stack>
      <Group gap="xs" align="center">
        <Title order={1} size="h3">
          {user.email}
        </Title>
        <Badge variant="light">{user.role.replace('_', ' ')}</Badge>
        {user.disabled && (
          <Badge color="gray" data-testid="user-disabled">
            disabled
          </Badge>
        )}
      </Group>
      {user.displayName && user.displayName !== user.email && <Text size="sm">{user.displayName}</Text>}
      <Text size="xs" c="dimmed">
        Created {formatDateTime(user.createdAt)} · changed {formatDateTime(user.updatedAt)}
      </Text>

      <AccessForm user={user} self={self} onSaved={changed} />

      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="xs">
          Sign-in
        </Title>
        <Stack gap="sm">
          {generated && (
            <Alert color="green" title="New password" data-testid="generated-password">
              <Text size="sm">
                Give it to {user.email} now; it will not be shown again. Their sessions were ended.
              </Text>
              <Code block>{generated}</Code>
            </Alert>
          )}
          {(toggle.isError || password.isError || totp.isError) && (
            <ErrorAlert error={toggle.error ?? password.error ?? totp.error} title="Not changed" />
          )}
          <Text size="sm" data-testid="totp-state">
            Second factor:{' '}
            {user.totp === 'active'
              ? 'set up'
              : user.totp === 'pending'
                ? 'being set up'
                : user.totp === 'none'
                  ? 'none'
                  : 'not for this account (signs in elsewhere)'}
          </Text>
          <Group gap="xs">
            <Button variant="default" onClick={() => setAskPassword(true)}>
              Reset password…
            </Button>
            {(user.totp === 'active' || user.totp === 'pending') && !self && (
              <Button variant="default" onClick={() => setAskTotp(true)}>
                Reset second factor…
              </Button>
            )}
            {!self && (
              <Button
                color={user.disabled ? undefined : 'red'}
                variant={user.disabled ? 'filled' : 'light'}
                loading={toggle.isPending}
                onClick={() => toggle.mutate()}
              >
                {user.disabled ? 'Enable' : 'Disable'}
              </Button>
            )}
          </Group>
          {user.disabled && (
            <Text size="xs" c="dimmed">
              A disabled user cannot sign in, and their API tokens are refused.
            </Text>
          )}
        </Stack>
      </Paper>

      <Modal opened={askPassword} onClose={() => setAskPassword(false)} title="Reset the password?">
        <Stack>
          <Text size="sm">
            {user.email} gets a new generated password, shown to you once, and is signed out everywhere.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setAskPassword(false)}>
              Cancel
            </Button>
            <Button loading={password.isPending} onClick={() => password.mutate()}>
              Reset password
            </Button>
          </Group>
        </Stack>
      </Modal>
      <Modal opened={askTotp} onClose={() => setAskTotp(false)} title="Reset the second factor?">
        <Stack>
          <Text size="sm">
            {user.email} then signs in with their password alone and may set up a second factor again.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setAskTotp(false)}>
              Cancel
            </Button>
            <Button color="red" loading={totp.isPending} onClick={() => totp.mutate()}>
              Reset second factor
            </Button>
          </Group>
        </Stack>
      </Modal>

      <UserDigest user={user} />
      <UserTokens user={user} />
      <UserAudit user={user} />
    </Stack>
  );
}

/** Role, domains or aliases, release mode: one PATCH, one audit entry. */
function AccessForm({ user, self, onSaved }: { user: User; self: boolean; onSaved(user: User): void }) {
  const [role, setRole] = useState<User['role']>(user.role);
  const [domains, setDomains] = useState<string[]>(user.domains ?? []);
  const [addresses, setAddresses] = useState<string[]>(user.addresses ?? []);
  const [releaseMode, setReleaseMode] = useState<string>(user.releaseMode ?? 'default');
  const save = useMutation({
    mutationFn: () =>
      updateUser(user.id, {
        ...(role !== user.role ? { role } : {}),
        ...(role === 'domain_admin' ? { domains } : {}),
        ...(role === 'user'
          ? {
              addresses,
              releaseMode: releaseMode === 'default' ? null : (releaseMode as 'release' | 'request'),
            }
          : {}),
      }),
    onSuccess: (next) => {
      onSaved(next);
      notifications.show({ color: 'green', message: `${next.email} saved` });
    },
  });
  return (
    <Paper withBorder p="md">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
      >
        <Stack gap="sm" maw={560}>
          <Title order={2} size="h4">
            Role and mail
          </Title>
          {save.isError && <ErrorAlert error={save.error} title="Not saved" />}
          <Select
            label="Role"
            data={Object.entries(ROLE_LABEL).map(([value, label]) => ({ value, label }))}
            value={role}
            onChange={(value) => value && setRole(value as User['role'])}
            allowDeselect={false}
            disabled={self}
            description={self ? 'You cannot change your own role.' : undefined}
          />
          {role === 'domain_admin' && (
            <TagsInput
              label="Domains"
              description="The domains whose mail and users they manage"
              value={domains}
              onChange={setDomains}
            />
          )}
          {role === 'user' && (
            <>
              <TagsInput
                label="Aliases"
                description="The addresses whose mail this user sees (their own email when empty)"
                value={addresses}
                onChange={setAddresses}
              />
              <Select
                label="Release mode"
                data={[
                  { value: 'default', label: 'As the server default' },
                  { value: 'release', label: 'Releases their mail' },
                  { value: 'request', label: 'Asks an administrator to release' },
                ]}
                value={releaseMode}
                onChange={(value) => value && setReleaseMode(value)}
                allowDeselect={false}
              />
            </>
          )}
          <Group>
            <Button type="submit" loading={save.isPending}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

function UserDigest({ user }: { user: User }) {
  const queryClient = useQueryClient();
  const settings = useQuery({
    queryKey: ['user-digest', user.id],
    queryFn: () => getUserDigestSettings(user.id),
  });
  const onSaved = (data: Awaited<ReturnType<typeof getUserDigestSettings>>) => {
    queryClient.setQueryData(['user-digest', user.id], data);
    void queryClient.invalidateQueries({ queryKey: ['user-audit', user.email] });
    notifications.show({
      color: 'green',
      message: `Digest of ${user.email}: ${describeSchedule(data.effective)}`,
    });
  };
  const save = useMutation({
    mutationFn: (schedule: Parameters<typeof saveUserDigestSettings>[1]) =>
      saveUserDigestSettings(user.id, schedule),
    onSuccess: onSaved,
  });
  const reset = useMutation({ mutationFn: () => resetUserDigestSettings(user.id), onSuccess: onSaved });
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="xs">
        Digest
      </Title>
      {settings.isPending && <Loader size="sm" aria-label="Loading the digest settings" />}
      {settings.isError && <ErrorAlert error={settings.error} title="The digest settings cannot be shown" />}
      {settings.data && (
        <Stack gap="sm">
          <Text size="sm" data-testid="user-digest-effective">
            {settings.data.receives ? 'Receives: ' : 'Receives no digest. Schedule: '}
            <b>{describeSchedule(settings.data.effective)}</b>
            {settings.data.copyOf && ` — held mail of ${settings.data.copyOf.join(', ')}`}
          </Text>
          <Text size="xs" c="dimmed">
            {settings.data.lastSentAt
              ? `Last digest sent ${formatDateTime(settings.data.lastSentAt)}.`
              : 'No digest sent yet.'}
          </Text>
          {(save.isError || reset.isError) && (
            <ErrorAlert error={save.error ?? reset.error} title="Not saved" />
          )}
          <ScheduleForm
            key={JSON.stringify(settings.data.own)}
            name="Their"
            value={settings.data.own}
            inheritLabel={`As ${settings.data.domain} (default)`}
            {...(user.role === 'user'
              ? {}
              : { domainsFrom: user.role === 'domain_admin' ? (user.domains ?? []) : null })}
            saving={save.isPending || reset.isPending}
            onSave={(schedule) => save.mutate(schedule)}
            onReset={() => reset.mutate()}
          />
        </Stack>
      )}
    </Paper>
  );
}

function UserTokens({ user }: { user: User }) {
  const queryClient = useQueryClient();
  const tokens = useQuery({ queryKey: ['tokens', user.id], queryFn: () => listTokens(user.id) });
  const revoke = useMutation({
    mutationFn: revokeToken,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['tokens', user.id] }),
  });
  return (
    <Paper withBorder p="md">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4">
          API tokens
        </Title>
        <Anchor component={Link} to={`/admin/tokens?user=${user.id}`} size="sm">
          Create a token
        </Anchor>
      </Group>
      {tokens.isPending && <Loader size="sm" aria-label="Loading tokens" />}
      {tokens.isError && <ErrorAlert error={tokens.error} title="Tokens cannot be listed" />}
      {revoke.isError && <ErrorAlert error={revoke.error} title="Not revoked" />}
      {tokens.data && tokens.data.tokens.length === 0 && (
        <Text size="sm" c="dimmed" data-testid="tokens-empty">
          No API tokens.
        </Text>
      )}
      {tokens.data && tokens.data.tokens.length > 0 && (
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
      )}
    </Paper>
  );
}

/** What the user did lately (signed in or with their tokens); the whole log one click away. */
function UserAudit({ user }: { user: User }) {
  const audit = useQuery({
    queryKey: ['user-audit', user.email],
    queryFn: () => listAudit({ person: user.email }, null, RECENT_AUDIT),
  });
  return (
    <Paper withBorder p="md">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4">
          Recent activity
        </Title>
        <Anchor component={Link} to={`/admin/audit?person=${encodeURIComponent(user.email)}`} size="sm">
          All of it in the audit log
        </Anchor>
      </Group>
      {audit.isPending && <Loader size="sm" aria-label="Loading their activity" />}
      {audit.isError && <ErrorAlert error={audit.error} title="Their activity cannot be shown" />}
      {audit.data && audit.data.entries.length === 0 && (
        <Text size="sm" c="dimmed" data-testid="user-audit-empty">
          Nothing recorded yet.
        </Text>
      )}
      {audit.data && audit.data.entries.length > 0 && (
        <AuditTable entries={audit.data.entries} showWho={false} />
      )}
    </Paper>
  );
}
