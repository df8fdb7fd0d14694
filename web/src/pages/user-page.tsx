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
  TagsInput,
  Text,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
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
  signInOptions,
  unlinkIdentity,
  updateUser,
} from '../api/endpoints';
import type { User } from '../api/types';
import { AuditTable } from '../components/audit-table';
import { DigestStatus } from '../components/digest-status';
import { ErrorAlert } from '../components/error-alert';
import { ScheduleForm } from '../components/schedule-form';
import { useSession } from '../components/session';
import { TokenTable } from '../components/token-table';
import { formatDateTime } from '../lib/format';

const ROLES: User['role'][] = ['user', 'domain_admin', 'admin'];
const RECENT_AUDIT = 20;

/** One user: role and what they see, release mode, digest, sign-in (password, second factor), tokens, recent audit. */
export function UserPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const user = useQuery({ queryKey: ['user', id], queryFn: () => getUser(id) });
  return (
    <Stack>
      <Anchor component={Link} to="/admin/users" size="sm">
        {t('userPage.allUsers')}
      </Anchor>
      {user.isPending && <Loader aria-label={t('userPage.loadingTheUser')} />}
      {user.isError && (
        <ErrorAlert
          error={user.error}
          title={t('userPage.thisUserCannotBe')}
          onRetry={() => user.refetch()}
        />
      )}
      {user.data && <UserDetail key={user.data.id} user={user.data} />}
    </Stack>
  );
}

function UserDetail({ user }: { user: User }) {
  const { t } = useTranslation();
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
        message: t(answer.user.disabled ? 'userPage.userDisabled' : 'userPage.userEnabled', {
          email: user.email,
        }),
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
      notifications.show({ color: 'green', message: t('userPage.totpRemoved', { email: user.email }) });
    },
  });
  const [askUnlink, setAskUnlink] = useState(false);
  const providers = useQuery({
    queryKey: ['sign-in-options'],
    queryFn: signInOptions,
    enabled: user.identity?.method === 'oidc',
  });
  const provider = !user.identity
    ? ''
    : user.identity.method === 'ldap'
      ? t('userPage.theDirectory')
      : (providers.data?.providers.find((entry) => entry.id === user.identity!.provider)?.label ??
        user.identity.provider);
  const unlink = useMutation({
    mutationFn: () => unlinkIdentity(user.id),
    onSuccess: (next) => {
      setAskUnlink(false);
      changed(next);
      notifications.show({
        color: 'green',
        message: t('userPage.identityUnlinked', { email: user.email, provider }),
      });
    },
  });
  return (
    <Stack>
      <Group gap="xs" align="center">
        <Title order={1} size="h3">
          {user.email}
        </Title>
        <Badge variant="light">{t(`roles.${user.role}`)}</Badge>
        {user.disabled && (
          <Badge color="gray" data-testid="user-disabled">
            {t('users.disabled')}
          </Badge>
        )}
      </Group>
      {user.displayName && user.displayName !== user.email && <Text size="sm">{user.displayName}</Text>}
      <Text size="xs" c="dimmed">
        {t('userPage.createdChanged', {
          created: formatDateTime(user.createdAt),
          changed: formatDateTime(user.updatedAt),
        })}
      </Text>

      {/* Remounted on every change, so the fields show what the server now has. */}
      <AccessForm key={user.updatedAt} user={user} self={self} onSaved={changed} />

      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="xs">
          {t('userPage.signIn')}
        </Title>
        <Stack gap="sm">
          {generated && (
            <Alert color="green" title={t('userPage.newPassword')} data-testid="generated-password">
              <Text size="sm">{t('userPage.giveItTo', { email: user.email })}</Text>
              <Code block>{generated}</Code>
            </Alert>
          )}
          {(toggle.isError || password.isError || totp.isError || unlink.isError) && (
            <ErrorAlert
              error={toggle.error ?? password.error ?? totp.error ?? unlink.error}
              title={t('userPage.notChanged')}
            />
          )}
          {user.identity && (
            <Text size="sm" data-testid="identity">
              {t('userPage.identity', { provider })}
            </Text>
          )}
          <Text size="sm" data-testid="totp-state">
            {t('userPage.secondFactor')} {t(`userPage.totp.${user.totp}`)}
          </Text>
          <Group gap="xs">
            <Button variant="default" onClick={() => setAskPassword(true)}>
              {t('userPage.resetPassword')}
            </Button>
            {(user.totp === 'active' || user.totp === 'pending') && !self && (
              <Button variant="default" onClick={() => setAskTotp(true)}>
                {t('userPage.resetSecondFactor')}
              </Button>
            )}
            {user.identity && !self && (
              <Button variant="default" onClick={() => setAskUnlink(true)}>
                {t('userPage.unlink')}
              </Button>
            )}
            {!self && (
              <Button
                color={user.disabled ? undefined : 'red'}
                variant={user.disabled ? 'filled' : 'light'}
                loading={toggle.isPending}
                onClick={() => toggle.mutate()}
              >
                {user.disabled ? t('users.enable') : t('users.disable')}
              </Button>
            )}
          </Group>
          {user.disabled && (
            <Text size="xs" c="dimmed">
              {t('userPage.aDisabledUserCannot')}
            </Text>
          )}
        </Stack>
      </Paper>

      <ConfirmDialog
        opened={askPassword}
        title={t('userPage.resetThePassword')}
        text={t('userPage.resetPasswordText', { email: user.email })}
        confirm={t('userPage.resetPassword2')}
        loading={password.isPending}
        onCancel={() => setAskPassword(false)}
        onConfirm={() => password.mutate()}
      />
      <ConfirmDialog
        opened={askTotp}
        title={t('userPage.resetTheSecondFactor')}
        text={t('userPage.resetTotpText', { email: user.email })}
        confirm={t('userPage.resetSecondFactor2')}
        color="red"
        loading={totp.isPending}
        onCancel={() => setAskTotp(false)}
        onConfirm={() => totp.mutate()}
      />
      <ConfirmDialog
        opened={askUnlink}
        title={t('userPage.unlinkTheIdentity')}
        text={t('userPage.unlinkText', { email: user.email, provider })}
        confirm={t('userPage.unlink2')}
        color="red"
        loading={unlink.isPending}
        onCancel={() => setAskUnlink(false)}
        onConfirm={() => unlink.mutate()}
      />

      <UserDigest user={user} />
      <UserTokens user={user} />
      <UserAudit user={user} />
    </Stack>
  );
}

/** Asks before a change to a user that cannot be taken back; the focus starts on the confirming button. */
function ConfirmDialog(props: {
  opened: boolean;
  title: string;
  text: string;
  confirm: string;
  color?: string;
  loading: boolean;
  onCancel(): void;
  onConfirm(): void;
}) {
  const { t } = useTranslation();
  return (
    <Modal opened={props.opened} onClose={props.onCancel} title={props.title}>
      <Stack>
        <Text size="sm">{props.text}</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onCancel}>
            {t('userPage.cancel')}
          </Button>
          <Button color={props.color} loading={props.loading} onClick={props.onConfirm} data-autofocus>
            {props.confirm}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** Role, domains or aliases, release mode: one PATCH, one audit entry. */
function AccessForm({ user, self, onSaved }: { user: User; self: boolean; onSaved(user: User): void }) {
  const { t } = useTranslation();
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
      notifications.show({ color: 'green', message: t('userPage.saved', { email: next.email }) });
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
            {t('userPage.roleAndMail')}
          </Title>
          {save.isError && <ErrorAlert error={save.error} title={t('userPage.notSaved')} />}
          <Select
            label={t('userPage.role')}
            data={ROLES.map((value) => ({ value, label: t(`users.roles.${value}`) }))}
            value={role}
            onChange={(value) => value && setRole(value as User['role'])}
            allowDeselect={false}
            disabled={self}
            description={self ? t('userPage.ownRole') : undefined}
          />
          {role === 'domain_admin' && (
            <TagsInput
              label={t('userPage.domains')}
              description={t('userPage.theDomainsWhoseMail')}
              value={domains}
              onChange={setDomains}
            />
          )}
          {role === 'user' && (
            <>
              <TagsInput
                label={t('userPage.aliases')}
                description={t('userPage.theAddressesWhoseMail')}
                value={addresses}
                onChange={setAddresses}
              />
              <Select
                label={t('userPage.releaseMode')}
                data={[
                  { value: 'default', label: t('userPage.asTheServerDefault') },
                  { value: 'release', label: t('userPage.releasesTheirMail') },
                  { value: 'request', label: t('userPage.asksAnAdministratorTo') },
                ]}
                value={releaseMode}
                onChange={(value) => value && setReleaseMode(value)}
                allowDeselect={false}
              />
            </>
          )}
          <Group>
            <Button type="submit" loading={save.isPending}>
              {t('userPage.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

function UserDigest({ user }: { user: User }) {
  const { t } = useTranslation();
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
      message: t('userPage.digestSaved', { email: user.email, schedule: describeSchedule(data.effective) }),
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
        {t('userPage.digest')}
      </Title>
      {settings.isPending && <Loader size="sm" aria-label={t('userPage.loadingTheDigestSettings')} />}
      {settings.isError && (
        <ErrorAlert error={settings.error} title={t('userPage.theDigestSettingsCannot')} />
      )}
      {settings.data && (
        <Stack gap="sm">
          <DigestStatus
            settings={settings.data}
            receives={t('userPage.receives')}
            receivesNone={t('userPage.receivesNone')}
            testId="user-digest-effective"
          />
          {(save.isError || reset.isError) && (
            <ErrorAlert error={save.error ?? reset.error} title={t('userPage.notSaved')} />
          )}
          <ScheduleForm
            key={JSON.stringify(settings.data.own)}
            name={t('userPage.theirName')}
            value={settings.data.own}
            inheritLabel={t('settings.asDomain', { domain: settings.data.domain })}
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
  const { t } = useTranslation();
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
          {t('userPage.apiTokens')}
        </Title>
        <Anchor component={Link} to={`/admin/tokens?user=${user.id}`} size="sm">
          {t('userPage.createAToken')}
        </Anchor>
      </Group>
      {tokens.isPending && <Loader size="sm" aria-label={t('userPage.loadingTokens')} />}
      {tokens.isError && <ErrorAlert error={tokens.error} title={t('userPage.tokensCannotBeListed')} />}
      {revoke.isError && <ErrorAlert error={revoke.error} title={t('userPage.notRevoked')} />}
      {tokens.data && tokens.data.tokens.length === 0 && (
        <Text size="sm" c="dimmed" data-testid="tokens-empty">
          {t('userPage.noApiTokens')}
        </Text>
      )}
      {tokens.data && tokens.data.tokens.length > 0 && (
        <TokenTable tokens={tokens.data.tokens} onRevoke={(id) => revoke.mutate(id)} />
      )}
    </Paper>
  );
}

/** What the user did lately (signed in or with their tokens); the whole log one click away. */
function UserAudit({ user }: { user: User }) {
  const { t } = useTranslation();
  const audit = useQuery({
    queryKey: ['user-audit', user.email],
    queryFn: () => listAudit({ person: user.email }, null, RECENT_AUDIT),
  });
  return (
    <Paper withBorder p="md">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4">
          {t('userPage.recentActivity')}
        </Title>
        <Anchor component={Link} to={`/admin/audit?person=${encodeURIComponent(user.email)}`} size="sm">
          {t('userPage.allOfItIn')}
        </Anchor>
      </Group>
      {audit.isPending && <Loader size="sm" aria-label={t('userPage.loadingTheirActivity')} />}
      {audit.isError && <ErrorAlert error={audit.error} title={t('userPage.theirActivityCannotBe')} />}
      {audit.data && audit.data.entries.length === 0 && (
        <Text size="sm" c="dimmed" data-testid="user-audit-empty">
          {t('userPage.nothingRecordedYet')}
        </Text>
      )}
      {audit.data && audit.data.entries.length > 0 && (
        <AuditTable entries={audit.data.entries} showWho={false} />
      )}
    </Paper>
  );
}
