import { Button, Group, Loader, Paper, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
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
        message: `${target ?? 'Global'} default ${schedule ? 'saved' : 'removed'}`,
      });
    },
  });
  const current = (target: string | null): DigestDefault | undefined =>
    target === null
      ? (defaults.data?.global ?? undefined)
      : defaults.data?.domains.find((each) => each.domain === target);
  const stamp = (entry: DigestDefault | undefined) =>
    entry
      ? `Set by ${entry.updatedBy}, ${formatDateTime(entry.updatedAt)}.`
      : 'Not set: the configuration applies.';

  return (
    <Stack>
      <Title order={1} size="h3">
        Digests and sender lists
      </Title>
      {defaults.isPending && <Loader aria-label="Loading the defaults" />}
      {defaults.isError && <ErrorAlert error={defaults.error} title="The defaults cannot be shown" />}
      {save.isError && <ErrorAlert error={save.error} title="Not saved" />}
      {defaults.data && isAdmin && (
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="xs">
            Global default schedule
          </Title>
          <Text size="xs" c="dimmed" mb="sm">
            {stamp(current(null))}
          </Text>
          <ScheduleForm
            key={`global-${JSON.stringify(current(null)?.schedule ?? {})}`}
            name="Global"
            value={current(null)?.schedule ?? {}}
            inheritLabel="As configured"
            saving={save.isPending}
            onSave={(schedule) => save.mutate({ target: null, schedule })}
            onReset={() => save.mutate({ target: null, schedule: null })}
            resetLabel="Remove"
          />
        </Paper>
      )}
      {defaults.data && (
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="xs">
            Domain defaults
          </Title>
          <Text size="sm" mb="sm">
            People inherit their domain's default for every field they do not set themselves.
          </Text>
          <Group align="flex-end" mb="sm">
            <Select
              label="Domain"
              data={domains}
              value={domain}
              onChange={setDomain}
              placeholder="Choose a domain"
              searchable
              w={280}
            />
            {isAdmin && (
              <TextInput
                label="Or another domain"
                placeholder="example.org"
                value={typed}
                onChange={(event) => setTyped(event.currentTarget.value.trim().toLowerCase())}
              />
            )}
            {isAdmin && typed && (
              <Button variant="light" onClick={() => setDomain(typed)}>
                Edit {typed}
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
                inheritLabel="As the global default"
                saving={save.isPending}
                onSave={(schedule) => save.mutate({ target: domain, schedule })}
                onReset={() => save.mutate({ target: domain, schedule: null })}
                resetLabel="Remove"
              />
              <Title order={3} size="h5" mt="md">
                Sender list of {domain}
              </Title>
              <SenderList
                key={domain}
                target={{ scope: 'domain', domain }}
                title={`Sender list of ${domain}`}
              />
            </Stack>
          )}
        </Paper>
      )}
      {isAdmin && (
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="xs">
            Global sender list
          </Title>
          <Text size="sm" mb="sm">
            Applies to everyone; a domain's or a person's own list comes first.
          </Text>
          <SenderList target={{ scope: 'global' }} title="Global sender list" />
        </Paper>
      )}
    </Stack>
  );
}
