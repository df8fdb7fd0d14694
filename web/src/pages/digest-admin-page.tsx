import { Button, Group, Loader, Paper, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  type DigestDefault,
  getDigestDefaults,
  removeDigestDefault,
  type Schedule,
  saveDigestDefault,
} from '../api/digests';
import { ErrorAlert } from '../components/error-alert';
import { ScheduleForm } from '../components/schedule-form';
import { SenderList } from '../components/sender-list';
import { useSession } from '../components/session';
import { formatDateTime } from '../lib/format';

/** Administrators: default digest schedules (global, per domain) and the domain and global sender lists. */
export function DigestAdminPage() {
  const { t } = useTranslation();
  const { me } = useSession();
  const isAdmin = me?.role === 'admin';
  const queryClient = useQueryClient();
  const defaults = useQuery({ queryKey: ['digest-defaults'], queryFn: getDigestDefaults });
  const [typed, setTyped] = useState('');
  const domains = isAdmin
    ? [...new Set([...(defaults.data?.domains ?? []).map((each) => each.domain!), ...(typed ? [typed] : [])])]
    : (me?.domains ?? []);
  const [domain, setDomain] = useState<string | null>(me?.domains[0] ?? null);
  const save = useMutation({
    mutationFn: ({ target, schedule }: { target: string | null; schedule: Schedule | null }) =>
      schedule ? saveDigestDefault(target, schedule) : removeDigestDefault(target),
    onSuccess: (_answer, { target, schedule }) => {
      void queryClient.invalidateQueries({ queryKey: ['digest-defaults'] });
      void queryClient.invalidateQueries({ queryKey: ['digest-settings'] });
      notifications.show({
        color: 'green',
        message: t(schedule ? 'digestAdmin.saved' : 'digestAdmin.removed', {
          target: target ?? t('digestAdmin.global'),
        }),
      });
    },
  });
  const current = (target: string | null): DigestDefault | undefined =>
    target === null
      ? (defaults.data?.global ?? undefined)
      : defaults.data?.domains.find((each) => each.domain === target);
  const stamp = (entry: DigestDefault | undefined) =>
    entry
      ? t('digestAdmin.setBy', { who: entry.updatedBy, when: formatDateTime(entry.updatedAt) })
      : t('digestAdmin.notSet');

  return (
    <Stack>
      <Title order={1} size="h3">
        {t('digestAdmin.title')}
      </Title>
      {defaults.isPending && <Loader aria-label={t('digestAdmin.loading')} />}
      {defaults.isError && <ErrorAlert error={defaults.error} title={t('digestAdmin.cannotShow')} />}
      {save.isError && <ErrorAlert error={save.error} title={t('common.notSaved')} />}
      {defaults.data && isAdmin && (
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="xs">
            {t('digestAdmin.globalSchedule')}
          </Title>
          <Text size="xs" c="dimmed" mb="sm">
            {stamp(current(null))}
          </Text>
          <ScheduleForm
            key={`global-${JSON.stringify(current(null)?.schedule ?? {})}`}
            name={t('digestAdmin.global')}
            value={current(null)?.schedule ?? {}}
            inheritLabel={t('digestAdmin.asConfigured')}
            saving={save.isPending}
            onSave={(schedule) => save.mutate({ target: null, schedule })}
            onReset={() => save.mutate({ target: null, schedule: null })}
            resetLabel={t('common.remove')}
          />
        </Paper>
      )}
      {defaults.data && (
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="xs">
            {t('digestAdmin.domainDefaults')}
          </Title>
          <Text size="sm" mb="sm">
            {t('digestAdmin.domainDefaultsText')}
          </Text>
          <Group align="flex-end" mb="sm">
            <Select
              label={t('digestAdmin.domain')}
              data={domains}
              value={domain}
              onChange={setDomain}
              placeholder={t('digestAdmin.chooseDomain')}
              searchable
              w={280}
            />
            {isAdmin && (
              <TextInput
                label={t('digestAdmin.otherDomain')}
                placeholder={t('digestAdmin.otherDomainPlaceholder')}
                value={typed}
                onChange={(event) => setTyped(event.currentTarget.value.trim().toLowerCase())}
              />
            )}
            {isAdmin && typed && (
              <Button variant="light" onClick={() => setDomain(typed)}>
                {t('digestAdmin.edit', { domain: typed })}
              </Button>
            )}
          </Group>
          {domain && (
            <Stack gap="sm">
              <Text size="xs" c="dimmed">
                {stamp(current(domain))}
              </Text>
              <ScheduleForm
                key={`${domain}-${JSON.stringify(current(domain)?.schedule ?? {})}`}
                name={domain}
                value={current(domain)?.schedule ?? {}}
                inheritLabel={t('digestAdmin.asGlobal')}
                saving={save.isPending}
                onSave={(schedule) => save.mutate({ target: domain, schedule })}
                onReset={() => save.mutate({ target: domain, schedule: null })}
                resetLabel={t('common.remove')}
              />
              <Title order={3} size="h5" mt="md">
                {t('digestAdmin.senderListOf', { domain })}
              </Title>
              <SenderList
                key={domain}
                target={{ scope: 'domain', domain }}
                title={t('digestAdmin.senderListOf', { domain })}
              />
            </Stack>
          )}
        </Paper>
      )}
      {isAdmin && (
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="xs">
            {t('digestAdmin.globalList')}
          </Title>
          <Text size="sm" mb="sm">
            {t('digestAdmin.globalListText')}
          </Text>
          <SenderList target={{ scope: 'global' }} title={t('digestAdmin.globalList')} />
        </Paper>
      )}
    </Stack>
  );
}
