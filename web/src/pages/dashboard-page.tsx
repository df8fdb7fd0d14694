import { BarChart } from '@mantine/charts';
import { Group, Loader, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { getStats } from '../api/endpoints';
import { REASONS } from '../api/types';
import { ErrorAlert } from '../components/error-alert';
import { formatCount } from '../lib/format';

const REASON_COLORS: Record<string, string> = {
  spam: 'yellow.6',
  malware: 'red.6',
  phish: 'grape.6',
  policy: 'blue.6',
  bulk: 'gray.6',
  manual: 'teal.6',
};

export function DashboardPage() {
  const { t } = useTranslation();
  const stats = useQuery({ queryKey: ['stats', 30], queryFn: () => getStats(30), refetchInterval: 60_000 });
  if (stats.isPending) return <Loader aria-label={t('dashboard.loading')} />;
  if (stats.isError)
    return (
      <ErrorAlert error={stats.error} title={t('dashboard.cannotLoad')} onRetry={() => stats.refetch()} />
    );
  const data = stats.data;
  const held = data.days.map((day) => ({ day: day.day.slice(5), ...day.held }));
  const actions = data.days.map((day) => ({
    day: day.day.slice(5),
    released: day.released,
    deleted: day.deleted,
  }));
  const heldTotal = REASONS.reduce((sum, reason) => sum + data.totals.held[reason], 0);
  return (
    <Stack gap="md">
      <Title order={1} size="h3">
        {t('dashboard.title')}
      </Title>
      {data.partial && (
        <Text size="sm" c="orange">
          {t('dashboard.partial')}
        </Text>
      )}
      <SimpleGrid cols={{ base: 2, sm: 4 }}>
        <Figure
          label={t('dashboard.waitingNow')}
          value={data.statuses.quarantined + data.statuses.releasing}
        />
        <Figure label={t('dashboard.heldInDays', { days: 30 })} value={heldTotal} />
        <Figure label={t('dashboard.releasedInDays', { days: 30 })} value={data.totals.released} />
        <Figure label={t('dashboard.deletedInDays', { days: 30 })} value={data.totals.deleted} />
      </SimpleGrid>
      <Paper withBorder p="md">
        <Title order={2} size="h5" mb="sm">
          {t('dashboard.heldPerDay')}
        </Title>
        <BarChart
          h={260}
          data={held}
          dataKey="day"
          type="stacked"
          series={REASONS.map((reason) => ({
            name: reason,
            label: t(`reasons.${reason}`),
            color: REASON_COLORS[reason]!,
          }))}
          withLegend
          aria-label={t('dashboard.heldPerDayLabel', { days: 30 })}
        />
      </Paper>
      <Paper withBorder p="md">
        <Title order={2} size="h5" mb="sm">
          {t('dashboard.actionsPerDay')}
        </Title>
        <BarChart
          h={200}
          data={actions}
          dataKey="day"
          series={[
            { name: 'released', label: t('statuses.released'), color: 'green.6' },
            { name: 'deleted', label: t('statuses.deleted'), color: 'red.4' },
          ]}
          withLegend
          aria-label={t('dashboard.actionsPerDayLabel', { days: 30 })}
        />
      </Paper>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <TopList title={t('dashboard.topSenders')} rows={data.topSenders} />
        <TopList title={t('dashboard.topRecipients')} rows={data.topRecipients} />
      </SimpleGrid>
    </Stack>
  );
}

function Figure({ label, value }: { label: string; value: number }) {
  return (
    <Paper withBorder p="sm">
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="xl" fw={700}>
        {formatCount(value)}
      </Text>
    </Paper>
  );
}

function TopList({ title, rows }: { title: string; rows: { address: string; count: number }[] }) {
  const { t } = useTranslation();
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h5" mb="sm">
        {title}
      </Title>
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('dashboard.nothingWaiting')}
        </Text>
      ) : (
        <Table fz="sm" verticalSpacing={4}>
          <Table.Tbody>
            {rows.map((row) => (
              <Table.Tr key={row.address}>
                <Table.Td style={{ overflowWrap: 'anywhere' }}>{row.address || t('format.bounce')}</Table.Td>
                <Table.Td ta="right">
                  <Group justify="flex-end">{formatCount(row.count)}</Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}
