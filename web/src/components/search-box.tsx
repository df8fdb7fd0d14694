import { ActionIcon, Autocomplete, Code, Group, Popover, Table, Text } from '@mantine/core';
import { forwardRef, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { REASONS } from '../api/types';
import { OPERATORS, suggestions } from '../lib/search-syntax';

/** The one search box: query syntax with completions as you type and a syntax card. */
export const SearchBox = forwardRef<HTMLInputElement, { value: string; onSearch(query: string): void }>(
  function SearchBox({ value, onSearch }, ref) {
    const { t } = useTranslation();
    const [draft, setDraft] = useState(value);
    useEffect(() => setDraft(value), [value]);
    return (
      // biome-ignore lint/a11y/useSemanticElements: <search> is not in React's element types yet
      <form
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          onSearch(draft.trim());
        }}
        style={{ flex: 1, minWidth: 240 }}
      >
        <Group gap={4} wrap="nowrap" align="flex-end">
          <Autocomplete
            ref={ref}
            style={{ flex: 1 }}
            label={t('search.label')}
            aria-describedby="search-hint"
            placeholder={t('search.placeholder')}
            value={draft}
            onChange={setDraft}
            data={suggestions(draft)}
            onOptionSubmit={(option) => setDraft(option)}
            onKeyDown={(event) => {
              if (event.key === 'Escape') (event.target as HTMLInputElement).blur();
            }}
            comboboxProps={{ withinPortal: true }}
            limit={8}
            data-testid="search-input"
          />
          <Popover width={420} position="bottom-end" withArrow shadow="md">
            <Popover.Target>
              <ActionIcon variant="default" size="lg" aria-label={t('search.syntaxHelp')} mb={1}>
                ?
              </ActionIcon>
            </Popover.Target>
            <Popover.Dropdown>
              <Text size="sm" fw={600} mb={4}>
                {t('search.syntax')}
              </Text>
              <Table fz="xs" verticalSpacing={2}>
                <Table.Tbody>
                  {OPERATORS.map((operator) => (
                    <Table.Tr key={operator.token}>
                      <Table.Td>
                        <Code>{operator.example}</Code>
                      </Table.Td>
                      <Table.Td>
                        {t(`search.help.${operator.token.replace(/:.*$/, '')}`, {
                          reasons: REASONS.join(', '),
                          defaultValue: operator.help,
                        })}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                  <Table.Tr>
                    <Table.Td>
                      <Code>{t('search.phraseExample')}</Code>
                    </Table.Td>
                    <Table.Td>{t('search.phraseHelp')}</Table.Td>
                  </Table.Tr>
                  <Table.Tr>
                    <Table.Td>
                      <Code>{t('search.excludeExample')}</Code>
                    </Table.Td>
                    <Table.Td>{t('search.excludeHelp')}</Table.Td>
                  </Table.Tr>
                </Table.Tbody>
              </Table>
            </Popover.Dropdown>
          </Popover>
        </Group>
        <Text id="search-hint" size="xs" c="dimmed" mt={2}>
          {t('search.hint')}
        </Text>
      </form>
    );
  },
);
