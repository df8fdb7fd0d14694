import { Code, Group, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { scannerLabel, scannerRows } from '../lib/verdict';

/** What each scanner said about a message: verdict, score against its threshold, what fired. */
export function VerdictTable({ details, score }: { details: Record<string, unknown>; score: number | null }) {
  const { t } = useTranslation();
  const rows = scannerRows(details, score);
  if (rows.length === 0)
    return (
      <Text size="sm" c="dimmed">
        {t('verdict.none')}
      </Text>
    );
  return (
    <Table.ScrollContainer minWidth={360}>
      <Table fz="sm" verticalSpacing={4} data-testid="verdict-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('verdict.scanner')}</Table.Th>
            <Table.Th>{t('verdict.verdict')}</Table.Th>
            <Table.Th style={{ whiteSpace: 'nowrap' }}>{t('verdict.scoreThreshold')}</Table.Th>
            <Table.Th>{t('verdict.why')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={row.scanner} data-testid="verdict-row" data-scanner={row.scanner}>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                {t(`verdict.scanners.${row.scanner}`, { defaultValue: scannerLabel(row.scanner) })}
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <Text size="sm" c={row.held ? 'red' : undefined} fw={row.held ? 600 : undefined}>
                  {row.verdict}
                </Text>
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                {row.score === null ? t('verdict.noScore') : row.score}
                {row.threshold !== null && ` / ${row.threshold}`}
              </Table.Td>
              <Table.Td style={{ overflowWrap: 'anywhere' }}>
                {row.virus && <Text size="sm">{t('verdict.virus', { virus: row.virus })}</Text>}
                {row.rule && <Text size="sm">{t('verdict.rule', { rule: row.rule })}</Text>}
                {row.symbols.length > 0 &&
                  (Object.keys(row.descriptions).length > 0 ? (
                    <Stack gap={2} aria-label={t('verdict.rulesFired')}>
                      {row.symbols.map((symbol) => (
                        <Text key={symbol} size="xs">
                          <Code>{symbol}</Code> {row.descriptions[symbol] ?? ''}
                        </Text>
                      ))}
                    </Stack>
                  ) : (
                    <Group gap={4} aria-label={t('verdict.rulesFired')}>
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
