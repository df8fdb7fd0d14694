import { Alert, Button, Group, SegmentedControl, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { previewUrl } from '../api/endpoints';
import type { MessageContentInfo } from '../api/types';
import { plural } from '../lib/format';

/**
 * The message as the server sanitised it, in an iframe with an empty sandbox (no scripts, no same
 * origin, no forms, no popups) under the preview's own strict CSP. Remote content stays blocked
 * until the viewer asks for it, for this message only.
 */
export function SafePreview({ itemId, content }: { itemId: string; content: MessageContentInfo }) {
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
              { value: 'html', label: 'HTML' },
              { value: 'text', label: 'Plain text' },
            ]}
            aria-label="Which part to show"
          />
        ) : (
          <Text size="xs" c="dimmed">
            {content.html ? 'HTML' : content.text ? 'Plain text' : 'No readable part'}
          </Text>
        )}
        {remote && (
          <Text size="xs" c="orange" data-testid="remote-loaded">
            Remote content loaded for this message
          </Text>
        )}
      </Group>
      {blocked && (
        <Alert color="yellow" p="xs" data-testid="remote-blocked">
          <Group justify="space-between" gap="xs">
            <Text size="sm">
              {plural(content.remoteResources, 'remote image or style', 'remote images and styles')} blocked.
              Loading them tells the sender that this message was opened.
            </Text>
            <Button size="xs" variant="light" color="yellow" onClick={() => setRemote(true)}>
              Load remote content
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
        title="Message preview (sandboxed, scripts disabled)"
        sandbox=""
        referrerPolicy="no-referrer"
        src={previewUrl(itemId, part, remote)}
        data-testid="preview-frame"
      />
    </Stack>
  );
}
