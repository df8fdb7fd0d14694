import { Alert, Loader, Paper, Select, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { LANGUAGE_NAMES, LANGUAGES } from '../../../src/core/languages.js';
import { describeSchedule, getDigestSettings, resetDigestSettings, saveDigestSettings } from '../api/digests';
import { saveLanguage } from '../api/endpoints';
import type { Language } from '../api/types';
import { DigestStatus } from '../components/digest-status';
import { ErrorAlert } from '../components/error-alert';
import { ScheduleForm } from '../components/schedule-form';
import { SecondFactorSettings } from '../components/second-factor-settings';
import { SenderList } from '../components/sender-list';
import { useSession } from '../components/session';

/** Everyone's own settings: the digest schedule, and the senders they always allow or block. */
export function SettingsPage() {
  const { t } = useTranslation();
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
      message: t('settings.digestSaved', { schedule: describeSchedule(data.effective) }),
    });
  };
  const save = useMutation({ mutationFn: saveDigestSettings, onSuccess: onSaved });
  const reset = useMutation({ mutationFn: resetDigestSettings, onSuccess: onSaved });
  const isAdmin = me?.role === 'admin' || me?.role === 'domain_admin';
  if (me?.totpEnrolmentRequired) {
    return (
      <Stack>
        <Title order={1} size="h3">
          {t('nav.settings')}
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
        {t('nav.settings')}
      </Title>
      <SecondFactorSettings />
      <LanguageSettings />
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="xs">
          {t('settings.digestTitle')}
        </Title>
        <Text size="sm" mb="sm">
          {t('settings.digestText')}
        </Text>
        {settings.isPending && <Loader aria-label={t('settings.loading')} />}
        {settings.isError && <ErrorAlert error={settings.error} title={t('settings.cannotShow')} />}
        {settings.data && (
          <Stack gap="sm">
            <DigestStatus
              settings={settings.data}
              receives={t('settings.youReceive')}
              receivesNone={t('settings.youReceiveNone')}
              testId="digest-effective"
            />
            {settings.data.lastError && (
              <Alert color="yellow" title={t('settings.lastProblem')}>
                {settings.data.lastError.detail}
              </Alert>
            )}
            {(save.isError || reset.isError) && (
              <ErrorAlert error={save.error ?? reset.error} title={t('common.notSaved')} />
            )}
            <ScheduleForm
              key={JSON.stringify(settings.data.own)}
              name={t('settings.yourName')}
              value={settings.data.own}
              inheritLabel={t('settings.asDomain', { domain: settings.data.domain })}
              {...(isAdmin ? { domainsFrom: me?.role === 'domain_admin' ? me.domains : null } : {})}
              saving={save.isPending || reset.isPending}
              onSave={(schedule) => save.mutate(schedule)}
              onReset={() => reset.mutate()}
            />
            {isAdmin && (
              <Text size="xs" c="dimmed">
                {t('settings.adminCopies')}
              </Text>
            )}
          </Stack>
        )}
      </Paper>
      {me?.role === 'user' && (
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="xs">
            {t('settings.sendersTitle')}
          </Title>
          <Text size="sm" mb="sm">
            {t('settings.sendersText')}
          </Text>
          <SenderList target={{}} title={t('settings.yourList')} />
        </Paper>
      )}
    </Stack>
  );
}

/** BROWSER: no choice of one's own; the browser's language (else the server default) applies. */
const BROWSER = 'browser';

/** The language of the web UI and of one's digests: one's own choice, or the browser's. */
function LanguageSettings() {
  const { t } = useTranslation();
  const { me } = useSession();
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: (language: Language | null) => saveLanguage(language),
    onSuccess: (answer) => queryClient.setQueryData(['me'], answer),
  });
  if (!me || me.local) return null;
  return (
    <Paper withBorder p="md" data-testid="language-settings">
      <Title order={2} size="h4" mb="xs">
        {t('settings.languageTitle')}
      </Title>
      <Text size="sm" mb="sm">
        {t('settings.languageText')}
      </Text>
      <Select
        label={t('settings.languageLabel')}
        w={280}
        allowDeselect={false}
        data={[
          { value: BROWSER, label: t('settings.languageBrowser') },
          ...LANGUAGES.map((language) => ({ value: language, label: LANGUAGE_NAMES[language] })),
        ]}
        value={me.chosenLanguage ?? BROWSER}
        onChange={(value) => save.mutate(value === null || value === BROWSER ? null : (value as Language))}
        disabled={save.isPending}
        data-testid="language-select"
      />
      {save.isError && <ErrorAlert error={save.error} title={t('common.notSaved')} />}
    </Paper>
  );
}
