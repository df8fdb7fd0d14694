import { Alert, Button, Code, Group, Text } from '@mantine/core';
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
  const code = error instanceof ApiError ? error.code : null;
  return (
    <Alert color="red" title={title ?? 'Something went wrong'} role="alert">
      <Text size="sm">{errorMessage(error)}</Text>
      <Group mt="xs" gap="xs">
        {code && (
          <Text size="xs" c="dimmed">
            Code <Code>{code}</Code>
          </Text>
        )}
        {onRetry && (
          <Button size="xs" variant="light" color="red" onClick={onRetry}>
            Try again
          </Button>
        )}
      </Group>
    </Alert>
  );
}
