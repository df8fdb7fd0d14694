import { Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { type DigestSettings, describeSchedule } from '../api/digests';
import { formatDateTime } from '../lib/format';

/**
 * Which digest a person receives (and whose copy) and when the last one went: the same facts in
 * Settings ("You receive …") and on a user's page ("They receive …"), which pass their own words.
 */
export function DigestStatus({
  settings,
  receives,
  receivesNone,
  testId,
}: {
  settings: DigestSettings;
  receives: string;
  receivesNone: string;
  testId: string;
}) {
  const { t } = useTranslation();
  return (
    <>
      <Text size="sm" data-testid={testId}>
        {settings.receives ? receives : receivesNone} <b>{describeSchedule(settings.effective)}</b>
        {settings.copyOf && t('settings.copyOf', { domains: settings.copyOf.join(', ') })}
      </Text>
      <Text size="xs" c="dimmed">
        {settings.lastSentAt
          ? t('settings.lastSent', { when: formatDateTime(settings.lastSentAt) })
          : t('settings.noneSent')}
      </Text>
    </>
  );
}
