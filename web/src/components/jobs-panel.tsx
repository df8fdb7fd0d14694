import { Anchor, Badge, CloseButton, Group, Paper, Progress, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { formatCount } from '../lib/format';
import { actionLabel, type BulkRun, isFinal, useBulk } from './bulk-runner';

function percent(run: BulkRun): number {
  if (isFinal(run) && run.state !== 'failed') return 100;
  if (!run.total) return 0;
  return Math.min(100, Math.floor((run.done / run.total) * 100));
}

/** Running and finished bulk actions with live progress and per-outcome counts. */
export function JobsPanel() {
  const { t } = useTranslation();
  const { runs, dismiss } = useBulk();
  if (runs.length === 0) return null;
  return (
    <Stack gap="xs" aria-live="polite" aria-label={t('jobs.bulkActions')}>
      {runs.map((run) => {
        const value = percent(run);
        const failed = Object.entries(run.counts).filter(([outcome, n]) => outcome !== 'ok' && n > 0);
        return (
          <Paper key={run.key} withBorder p="sm" data-testid="bulk-run" data-state={run.state}>
            <Group justify="space-between" wrap="nowrap" gap="xs">
              <Text size="sm" fw={600}>
                {run.total !== null
                  ? t('jobs.runOf', { action: actionLabel(run.action), count: run.total })
                  : actionLabel(run.action)}
              </Text>
              <Group gap="xs" wrap="nowrap">
                <Text size="sm" data-testid="bulk-percent">
                  {value} %
                </Text>
                {isFinal(run) && (
                  <CloseButton size="sm" aria-label={t('common.dismiss')} onClick={() => dismiss(run.key)} />
                )}
              </Group>
            </Group>
            <Progress
              value={value}
              mt={6}
              animated={!isFinal(run)}
              color={run.state === 'failed' ? 'red' : failed.length ? 'orange' : undefined}
              aria-label={t('jobs.progress', { action: actionLabel(run.action) })}
            />
            <Group gap={6} mt={6}>
              <Text size="xs" c="dimmed">
                {t('jobs.processed', {
                  count: run.done,
                  state: t(`jobStates.${run.state}`, { defaultValue: run.state }),
                })}
              </Text>
              {Object.entries(run.counts)
                .filter(([, n]) => n > 0)
                .map(([outcome, n]) => (
                  <Badge
                    key={outcome}
                    size="sm"
                    variant="light"
                    color={outcome === 'ok' ? 'green' : 'orange'}
                  >
                    {t(`outcomes.${outcome}`, { defaultValue: outcome })}: {formatCount(n)}
                  </Badge>
                ))}
              {run.jobId && failed.length > 0 && (
                <Anchor component={Link} to={`/jobs/${run.jobId}?outcome=${failed[0]![0]}`} size="xs">
                  {t('jobs.showFailed')}
                </Anchor>
              )}
              {!run.jobId && run.failedIds.length > 0 && (
                <Text size="xs" c="orange">
                  {t('jobs.failed', { ids: run.failedIds.slice(0, 5).join(', ') })}
                  {run.failedIds.length > 5 ? ' …' : ''}
                </Text>
              )}
            </Group>
            {run.error && (
              <Text size="xs" c="red" role="alert">
                {run.error}
              </Text>
            )}
          </Paper>
        );
      })}
    </Stack>
  );
}
