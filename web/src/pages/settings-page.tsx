import { Alert, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { describeSchedule, getDigestSettings, resetDigestSettings, saveDigestSettings } from '../api/digests';
import { ErrorAlert } from '../components/error-alert';
import { ScheduleForm } from '../components/schedule-form';
import { SecondFactorSettings } from '../components/second-factor-settings';
import { SenderList } from '../components/sender-list';
import { useSession } from '../components/session';
import { formatDateTime } from '../lib/format';

/** Everyone's own settings: the digest schedule, and the senders they always allow or block. */
export function SettingsPage() {
  const { me } = useSession();
  const queryClient = useQueryClient();
  const settings = useQuery({
    queryKey: ['digest-settings'],
    queryFn: getDigestSettings,
    enabled: !me?.totpEnrolmentRequired,
  });
  const onSaved = (data: Awaited<ReturnType<typeof getDigestSettings>>) => {
    queryClient.setQueryData(['digest-settings'], data);
    notifications.show({
      color: 'green',
      message: `Digest: ${describeSchedule(data.effective)}`,
    });
  };
  const save = useMutation({ mutationFn: saveDigestSettings, onSuccess: onSaved });
  const reset = useMutation({ mutationFn: resetDigestSettings, onSuccess: onSaved });
  const isAdmin = me?.role === 'admin' || me?.role === 'domain_admin';
  if (me?.totpEnrolmentRequired) {
    return (
      <Stack>
        <Title order={1} size="h3">
          Settings
        </Title>
        <SecondFactorSettings />
      </Stack>
    );
  }
  // The second-factor section keeps its place in both layouts, so its state (the recovery codes shown
  // once) survives the switch when enrolment completes.
  return (
    <Stack>
      <Title order={1} size="h3">
        Settings
      </Title>
      <SecondFactorSettings />
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="xs">
          Quarantine digest
        </Title>
        <Text size="sm" mb="sm">
          A mail that lists what was held for you, with links to release or delete it. Opening a link only
          shows what will happen; you confirm on that page.
        </Text>
        {settings.isPending && <Loader aria-label="Loading your settings" />}
        {settings.isError && <ErrorAlert error={settings.error} title="Your settings cannot be shown" />}
        {settings.data && (
          <Stack gap="sm">
            <Text size="sm" data-testid="digest-effective">
              {settings.data.receives ? 'You receive: ' : 'You receive no digest. Schedule: '}
              <b>{describeSchedule(settings.data.effective)}</b>
              {settings.data.copyOf && ` — held mail of ${settings.data.copyOf.join(', ')}`}
            </Text>
            <Text size="xs" c="dimmed">
              {settings.data.lastSentAt
                ? `Last digest sent ${formatDateTime(settings.data.lastSentAt)}.`
                : 'No digest sent yet.'}
            </Text>
            {settings.data.lastError && (
              <Alert color="yellow" title="The last digest had a problem">
                {settings.data.lastError.detail}
              </Alert>
            )}
            {(save.isError || reset.isError) && (
              <ErrorAlert error={save.error ?? reset.error} title="Not saved" />
            )}
            <ScheduleForm
              key={JSON.stringify(settings.data.own)}
              name="Your"
              value={settings.data.own}
              inheritLabel={`As ${settings.data.domain} (default)`}
              {...(isAdmin ? { domainsFrom: me?.role === 'domain_admin' ? me.domains : null } : {})}
              saving={save.isPending || reset.isPending}
              onSave={(schedule) => save.mutate(schedule)}
              onReset={() => reset.mutate()}
            />
            {isAdmin && (
              <Text size="xs" c="dimmed">
                Administrators receive copies only when they choose how often themselves.
              </Text>
            )}
          </Stack>
        )}
      </Paper>
      {me?.role === 'user' && (
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="xs">
            Senders you allow or block
          </Title>
          <Text size="sm" mb="sm">
            Blocked senders' mail is always held for you. Allowed senders' mail is not held as spam or bulk
            mail (mail held as malware, phishing or by policy still is). Your list comes before your domain's
            and the global one.
          </Text>
          <SenderList target={{}} title="Your sender list" />
        </Paper>
      )}
    </Stack>
  );
}
