import {
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  Paper,
  Progress,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useInfiniteQuery, useMutation, useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router';
import { cancelJob, getJob, jobItems } from '../api/endpoints';
import { ErrorAlert } from '../components/error-alert';
import { formatCount } from '../lib/format';

const FINAL = new Set(['completed', 'cancelled', 'failed']);

/** One bulk job: its counts per outcome, and the items of one outcome (the failed ones, from the progress panel). */
export function JobPage() {
  const { id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const outcome = params.get('outcome');
  const job = useQuery({
    queryKey: ['job', id],
    queryFn: () => getJob(id),
    refetchInterval: (query) => (query.state.data && FINAL.has(query.state.data.state) ? false : 1000),
  });
  const items = useInfiniteQuery({
    queryKey: ['job-items', id, outcome],
    queryFn: ({ pageParam }) => jobItems(id, outcome, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    enabled: outcome !== null,
  });
  const cancel = useMutation({ mutationFn: () => cancelJob(id), onSuccess: () => job.refetch() });
  if (job.isPending) return <Loader aria-label="Loading the job" />;
  if (job.isError) return <ErrorAlert error={job.error} title="This job cannot be shown" />;
  const data = job.data;
  const percent = data.total
    ? Math.floor((data.processed / data.total) * 100)
    : FINAL.has(data.state)
      ? 100
      : 0;
  const outcomes = Object.entries(data.counters).filter(([, n]) => n > 0);
  return (
    <Stack>
      <Anchor component={Link} to="/quarantine" size="sm">
        ← Quarantine
      </Anchor>
      <Title order={1} size="h3">
        {data.action === 'release' ? 'Release' : 'Delete'} job · {data.state}
      </Title>
      <Paper withBorder p="md">
        <Progress value={percent} aria-label="Job progress" />
        <Group gap="xs" mt="xs">
          <Text size="sm">
            {formatCount(data.processed)} of {formatCount(data.total)}
            {data.selectionComplete ? '' : '+'} processed
          </Text>
          {!FINAL.has(data.state) && (
            <Button
              size="xs"
              variant="light"
              color="red"
              onClick={() => cancel.mutate()}
              loading={cancel.isPending}
            >
              Cancel
            </Button>
          )}
        </Group>
        {data.error && (
          <Text c="red" size="sm" role="alert">
            {data.error}
          </Text>
        )}
      </Paper>
      <Group gap="xs" aria-label="Outcomes">
        {outcomes.map(([name, n]) => (
          <Badge
            key={name}
            component="button"
            variant={outcome === name ? 'filled' : 'light'}
            color={name === 'ok' ? 'green' : 'orange'}
            style={{ cursor: 'pointer' }}
            onClick={() => setParams({ outcome: name })}
          >
            {name}: {formatCount(n)}
          </Badge>
        ))}
      </Group>
      {outcome && items.isError && <ErrorAlert error={items.error} />}
      {outcome && (
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
                      {entry.itemId}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{entry.outcome?.code ?? 'pending'}</Table.Td>
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>
                    {entry.outcome?.reply ?? entry.outcome?.message ?? ''}
                  </Table.Td>
                </Table.Tr>
              ))}
          </Table.Tbody>
        </Table>
      )}
      {outcome && items.data?.pages.every((page) => page.items.length === 0) && (
        <Text size="sm" c="dimmed" data-testid="empty-state">
          No items with this outcome.
        </Text>
      )}
      {items.hasNextPage && (
        <Button variant="default" w="fit-content" onClick={() => items.fetchNextPage()}>
          More
        </Button>
      )}
    </Stack>
  );
}
