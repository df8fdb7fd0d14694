import {
  Anchor,
  Badge,
  Group,
  Loader,
  Paper,
  Progress,
  SegmentedControl,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router';
import { getJob, jobItems } from '../api/endpoints';
import { ErrorAlert } from '../components/error-alert';
import { formatCount } from '../lib/format';

/** One bulk job: its counts and the items of one outcome (by default the failed ones). */
export function JobPage() {
  const { id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const outcome = params.get('outcome') ?? 'failed';
  const job = useQuery({ queryKey: ['job', id], queryFn: () => getJob(id), refetchInterval: 2000 });
  const items = useInfiniteQuery({
    queryKey: ['job-items', id, outcome],
    queryFn: ({ pageParam }) => jobItems(id, outcome === 'all' ? null : outcome, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  if (job.isPending) return <Loader aria-label="Loading the job" />;
  if (job.isError) return <ErrorAlert error={job.error} title="This job cannot be shown" />;
  const data = job.data;
  const percent = data.total ? Math.floor((data.done / data.total) * 100) : 0;
  return (
    <Stack>
      <Anchor component={Link} to="/quarantine" size="sm">
        ← Quarantine
      </Anchor>
      <Title order={1} size="h3">
        Job {data.action} · {data.state}
      </Title>
      <Paper withBorder p="md">
        <Progress value={percent} aria-label="Job progress" />
        <Group gap="xs" mt="xs">
          <Text size="sm">
            {formatCount(data.done)} of {data.total === null ? '?' : formatCount(data.total)}
          </Text>
          {Object.entries(data.counts).map(([name, n]) => (
            <Badge key={name} variant="light" color={name === 'ok' ? 'green' : 'orange'}>
              {name}: {formatCount(n)}
            </Badge>
          ))}
        </Group>
      </Paper>
      <SegmentedControl
        w="fit-content"
        value={outcome}
        onChange={(value) => setParams({ outcome: value })}
        data={[
          { value: 'failed', label: 'Failed' },
          { value: 'ok', label: 'Done' },
          { value: 'all', label: 'All' },
        ]}
      />
      {items.isError && <ErrorAlert error={items.error} />}
      <Table fz="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Item</Table.Th>
            <Table.Th>Outcome</Table.Th>
            <Table.Th>Detail</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.data?.pages
            .flatMap((page) => page.items)
            .map((entry) => (
              <Table.Tr key={entry.itemId}>
                <Table.Td>
                  <Anchor component={Link} to={`/quarantine/${entry.itemId}`}>
                    {entry.item?.subject ?? entry.itemId}
                  </Anchor>
                </Table.Td>
                <Table.Td>{entry.outcome}</Table.Td>
                <Table.Td>{entry.detail ?? ''}</Table.Td>
              </Table.Tr>
            ))}
        </Table.Tbody>
      </Table>
      {items.hasNextPage && (
        <Anchor component="button" onClick={() => items.fetchNextPage()}>
          Load more
        </Anchor>
      )}
    </Stack>
  );
}
