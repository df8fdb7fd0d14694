import { Code, Group, Stack, Table, Text } from '@mantine/core';
import { scannerLabel, scannerRows } from '../lib/verdict';

/** What each scanner said about a message: verdict, score against its threshold, what fired. */
export function VerdictTable({ details, score }: { details: Record<string, unknown>; score: number | null }) {
  const rows = scannerRows(details, score);
  if (rows.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No scanner details were recorded.
      </Text>
    );
  return (
    <Table.ScrollContainer minWidth={360}>
      <Table fz="sm" verticalSpacing={4} data-testid="verdict-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Scanner</Table.Th>
            <Table.Th>Verdict</Table.Th>
            <Table.Th style={{ whiteSpace: 'nowrap' }}>Score / threshold</Table.Th>
            <Table.Th>Why</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={row.scanner} data-testid="verdict-row" data-scanner={row.scanner}>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{scannerLabel(row.scanner)}</Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <Text size="sm" c={row.held ? 'red' : undefined} fw={row.held ? 600 : undefined}>
                  {row.verdict}
                </Text>
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                {row.score === null ? 'no score' : row.score}
                {row.threshold !== null && ` / ${row.threshold}`}
              </Table.Td>
              <Table.Td style={{ overflowWrap: 'anywhere' }}>
                {row.virus && <Text size="sm">Virus: {row.virus}</Text>}
                {row.rule && <Text size="sm">Rule: {row.rule}</Text>}
                {row.symbols.length > 0 &&
                  (Object.keys(row.descriptions).length > 0 ? (
                    <Stack gap={2} aria-label="Rules that fired">
                      {row.symbols.map((symbol) => (
                        <Text key={symbol} size="xs">
                          <Code>{symbol}</Code> {row.descriptions[symbol] ?? ''}
                        </Text>
                      ))}
                    </Stack>
                  ) : (
                    <Group gap={4} aria-label="Rules that fired">
                      {row.symbols.map((symbol) => (
                        <Code key={symbol}>{symbol}</Code>
                      ))}
                    </Group>
                  ))}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
