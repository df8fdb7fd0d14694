import { Alert, Button, Code, Group, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ApiError, errorMessage } from '../api/client';

/** An API or network error as a readable message, with its stable code and a retry when one helps. */
export function ErrorAlert({
  error,
  title,
  onRetry,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
}) {
  const { t } = useTranslation();
  const code = error instanceof ApiError ? error.code : null;
  return (
    <Alert color="red" title={title ?? t('errors.somethingWrong')} role="alert">
      <Text size="sm">{errorMessage(error)}</Text>
      <Group mt="xs" gap="xs">
        {code && (
          <Text size="xs" c="dimmed">
            {t('errors.code')} <Code>{code}</Code>
          </Text>
        )}
        {onRetry && (
          <Button size="xs" variant="light" color="red" onClick={onRetry}>
            {t('errors.tryAgain')}
          </Button>
        )}
      </Group>
    </Alert>
  );
}
