import { Button, Container, Stack, Text, Title } from '@mantine/core';
import { Component, type ReactNode } from 'react';
import { i18n } from '../i18n';

/** Last line of defence: a crash in a page shows a message and a way back, never a blank screen. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <Container size="sm" py="xl">
        <Stack role="alert">
          <Title order={2}>{i18n.t('errors.pageFailed')}</Title>
          <Text>{this.state.error.message}</Text>
          <Button onClick={() => window.location.assign('/quarantine')} w="fit-content">
            {i18n.t('errors.backToQuarantine')}
          </Button>
        </Stack>
      </Container>
    );
  }
}
