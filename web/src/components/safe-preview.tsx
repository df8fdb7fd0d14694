import { Alert, Button, Group, SegmentedControl, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { previewUrl } from '../api/endpoints';
import type { MessageContentInfo } from '../api/types';

/**
 * The message as the server sanitised it, in an iframe with an empty sandbox (no scripts, no same
 * origin, no forms, no popups) under the preview's own strict CSP. Remote content stays blocked
 * until the viewer asks for it, for this message only.
 */
export function SafePreview({ itemId, content }: { itemId: string; content: MessageContentInfo }) {
  const { t } = useTranslation();
  const [part, setPart] = useState<'html' | 'text'>(content.html ? 'html' : 'text');
  const [remote, setRemote] = useState(false);
  const blocked = part === 'html' && !remote && content.remoteResources > 0;
  return (
    <Stack gap="xs">
      <Group justify="space-between" gap="xs">
        {content.html && content.text ? (
          <SegmentedControl
            size="xs"
            value={part}
            onChange={(value) => setPart(value as 'html' | 'text')}
            data={[
              { value: 'html', label: t('preview.html') },
              { value: 'text', label: t('preview.plainText') },
            ]}
            aria-label={t('preview.whichPart')}
          />
        ) : (
          <Text size="xs" c="dimmed">
            {content.html
              ? t('preview.html')
              : content.text
                ? t('preview.plainText')
                : t('preview.noReadablePart')}
          </Text>
        )}
        {remote && (
          <Text size="xs" c="orange" data-testid="remote-loaded">
            {t('preview.remoteLoaded')}
          </Text>
        )}
      </Group>
      {blocked && (
        <Alert color="yellow" p="xs" data-testid="remote-blocked">
          <Group justify="space-between" gap="xs">
            <Text size="sm">{t('preview.remoteBlocked', { count: content.remoteResources })}</Text>
            <Button size="xs" variant="light" color="yellow" onClick={() => setRemote(true)}>
              {t('preview.loadRemote')}
            </Button>
          </Group>
        </Alert>
      )}
      {content.problems.map((problem) => (
        <Text key={problem} size="xs" c="dimmed">
          {problem}
        </Text>
      ))}
      <iframe
        key={`${part}-${remote}`}
        className="lz-preview-frame"
        title={t('preview.frameTitle')}
        sandbox=""
        referrerPolicy="no-referrer"
        src={previewUrl(itemId, part, remote)}
        data-testid="preview-frame"
      />
    </Stack>
  );
}
