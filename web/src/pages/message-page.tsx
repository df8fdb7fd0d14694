import {
  Alert,
  Anchor,
  Badge,
  Button,
  Code,
  Group,
  Loader,
  Menu,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
  Title,
} from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, errorMessage } from '../api/client';
import { type ListAction, putEntry, reportSpam } from '../api/digests';
import {
  approveRelease,
  attachmentUrl,
  deleteItem,
  denyRelease,
  getContent,
  getItem,
  offersRequest,
  rawUrl,
  releaseItem,
  requestRelease,
} from '../api/endpoints';
import type { BulkAction, ItemAction } from '../api/types';
import { ConfirmAction, type PendingAction } from '../components/confirm-action';
import { ErrorAlert } from '../components/error-alert';
import { SafePreview } from '../components/safe-preview';
import { useSession } from '../components/session';
import { VerdictTable } from '../components/verdict-table';
import { formatDateTime, formatSize, senderLabel } from '../lib/format';
import { isServerReply } from '../lib/relay-reply';
import { authResultWords, reasonDetail } from '../lib/verdict';

export function MessagePage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { me } = useSession();
  const [pending, setPending] = useState<PendingAction | null>(null);
  const detail = useQuery({ queryKey: ['item', id], queryFn: () => getItem(id) });
  const content = useQuery({
    queryKey: ['content', id],
    queryFn: () => getContent(id),
    enabled: detail.isSuccess,
  });

  const [outcome, setOutcome] = useState<ReleaseOutcome | null>(null);
  const act = useMutation({
    mutationFn: async ({ action, recipients, force }: ActRequest) => {
      if (action === 'delete') return deleteItem(id);
      if (action === 'request_release') return requestRelease(id);
      return releaseItem(id, { recipients, force });
    },
    onMutate: () => setOutcome(null),
    onSuccess: (result, { action }) => {
      void queryClient.invalidateQueries({ queryKey: ['items'] });
      void queryClient.invalidateQueries({ queryKey: ['stats'] });
      if (action === 'delete') {
        notifications.show({
          color: 'green',
          title: 'Deleted',
          message: result.item.subject ?? result.item.id,
        });
        navigate('/quarantine');
        return;
      }
      queryClient.setQueryData(['item', id], { ...detail.data!, item: result.item });
      if (action === 'release' && result.item.release) {
        setOutcome({
          tone: 'delivered',
          title: `Delivered to ${result.item.release.to.join(', ')}`,
          reply: result.item.release.reply,
        });
      } else notifications.show({ color: 'green', message: 'Release requested' });
    },
    onError: (error, { action }) => {
      // The release engine recorded the failure on the item: show it as it is now, not as it was.
      void queryClient.invalidateQueries({ queryKey: ['item', id] });
      void queryClient.invalidateQueries({ queryKey: ['items'] });
      if (action !== 'release') {
        notifications.show({ color: 'red', title: 'That did not work', message: errorMessage(error) });
        return;
      }
      const reply = error instanceof ApiError ? error.details?.reply : undefined;
      setOutcome({
        tone: error instanceof ApiError && error.code === 'delivery_deferred' ? 'deferred' : 'failed',
        title: error instanceof ApiError ? error.message : errorMessage(error),
        ...(typeof reply === 'string' ? { reply } : {}),
      });
    },
  });
  const releasing = act.isPending && act.variables?.action === 'release';

  const report = useMutation({
    mutationFn: () => reportSpam(id),
    onSuccess: (answer) =>
      notifications.show({
        color: 'green',
        title: 'Reported as spam',
        message:
          answer.learning === 'queued'
            ? 'The spam filter learns from it.'
            : 'Noted; no spam filter is set up to learn from reports.',
      }),
    onError: (error) =>
      notifications.show({ color: 'red', title: 'Not reported', message: errorMessage(error) }),
  });
  const list = useMutation({
    mutationFn: ({ action, sender, domain }: { action: ListAction; sender: string; domain: string | null }) =>
      putEntry(domain ? { scope: 'domain', domain } : {}, action, sender),
    onSuccess: (answer, { domain }) =>
      notifications.show({
        color: 'green',
        message: `${answer.entry.sender} is ${answer.entry.action === 'allow' ? 'allowed' : 'blocked'} ${
          domain ? `for ${domain}` : 'for you'
        } from now on`,
      }),
    onError: (error) =>
      notifications.show({ color: 'red', title: 'Not listed', message: errorMessage(error) }),
  });

  const shown = detail.data?.item;
  const allows = (action: ItemAction) => shown?.allowedActions.includes(action) ?? false;
  const releaseAction: BulkAction | null = allows('release')
    ? 'release'
    : shown && offersRequest(shown)
      ? 'request_release'
      : null;
  const recipients = shown ? [shown.recipient] : [];
  const decide = useMutation({
    mutationFn: (approve: boolean) => (approve ? approveRelease(id) : denyRelease(id)),
    onSuccess: (result, approve) => {
      void queryClient.invalidateQueries({ queryKey: ['items'] });
      queryClient.setQueryData(['item', id], { ...detail.data!, item: result.item });
      notifications.show({
        color: 'green',
        message: approve ? 'Release approved and delivered' : 'Release request denied',
      });
    },
    onError: (error) =>
      notifications.show({ color: 'red', title: 'That did not work', message: errorMessage(error) }),
  });
  useHotkeys([
    [
      'r',
      () => releaseAction && !act.isPending && setPending({ action: releaseAction, count: 1, recipients }),
    ],
    ['d', () => allows('delete') && setPending({ action: 'delete', count: 1 })],
    ['u', () => navigate(-1)],
  ]);

  if (detail.isPending) return <Loader aria-label="Loading the message" />;
  if (detail.isError)
    return (
      <Stack>
        <ErrorAlert
          error={detail.error}
          title="This message cannot be shown"
          onRetry={() => detail.refetch()}
        />
        <Anchor component={Link} to="/quarantine">
          Back to the quarantine
        </Anchor>
      </Stack>
    );
  const { item, message } = detail.data;
  const detailOfReason = reasonDetail(item.details);
  const canDownloadAttachment = allows('download_attachment');

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-start" gap="sm">
        <Stack gap={2} style={{ minWidth: 0, flex: 1 }}>
          <Anchor component={Link} to="/quarantine" size="sm">
            ← Quarantine
          </Anchor>
          <Title order={1} size="h3" style={{ overflowWrap: 'anywhere' }}>
            {message.headers.subject ?? '(no subject)'}
          </Title>
          <Group gap="xs">
            <Badge variant="light" data-testid="item-status">
              {item.status.replace('_', ' ')}
            </Badge>
            <Text size="sm" c="dimmed">
              {formatDateTime(item.receivedAt)} · {formatSize(item.size)}
            </Text>
          </Group>
        </Stack>
        <Group gap="xs">
          {allows('approve_release') && (
            <Button color="green" onClick={() => decide.mutate(true)} loading={decide.isPending}>
              Approve release
            </Button>
          )}
          {allows('deny_release') && (
            <Button
              variant="light"
              color="gray"
              onClick={() => decide.mutate(false)}
              loading={decide.isPending}
            >
              Deny
            </Button>
          )}
          {allows('release') && (
            <>
              <Button
                onClick={() => setPending({ action: 'release', count: 1, recipients })}
                loading={releasing}
                disabled={act.isPending}
              >
                Release
              </Button>
              <Button
                variant="light"
                disabled={act.isPending}
                onClick={() => setPending({ action: 'release', count: 1, chooseRecipients: true })}
              >
                Release to…
              </Button>
            </>
          )}
          {!allows('release') && allows('force_release') && (
            <Button
              variant="default"
              loading={releasing}
              disabled={act.isPending}
              onClick={() => setPending({ action: 'release', count: 1, recipients, force: true })}
            >
              Send again…
            </Button>
          )}
          {offersRequest(item) && (
            <Button
              disabled={act.isPending}
              onClick={() => setPending({ action: 'request_release', count: 1 })}
            >
              Request release
            </Button>
          )}
          {allows('delete') && (
            <Button
              color="red"
              variant="light"
              disabled={act.isPending}
              onClick={() => setPending({ action: 'delete', count: 1 })}
            >
              Delete
            </Button>
          )}
          <Button component="a" href={rawUrl(item.id)} variant="default" download={`${item.id}.eml`}>
            Download .eml
          </Button>
          <SenderMenu
            sender={(message.headers as { fromAddress?: string }).fromAddress ?? message.envelope.mailFrom}
            domain={me?.role === 'user' ? null : item.recipient.slice(item.recipient.lastIndexOf('@') + 1)}
            onList={(action, sender, domain) => list.mutate({ action, sender, domain })}
            onReport={() => report.mutate()}
          />
        </Group>
      </Group>

      {releasing && (
        <Alert color="blue" role="status" data-testid="release-pending" icon={<Loader size="xs" />}>
          Releasing: delivering to {(act.variables?.recipients ?? recipients).join(', ')} and waiting for the
          mail server's answer. While it retries this can take a while.
        </Alert>
      )}
      {outcome && (
        <Alert
          color={OUTCOME_COLOR[outcome.tone]}
          role={outcome.tone === 'delivered' ? 'status' : 'alert'}
          title={outcome.title}
          data-testid="release-outcome"
          withCloseButton
          closeButtonLabel="Dismiss"
          onClose={() => setOutcome(null)}
        >
          {outcome.reply && (
            <Text size="sm">
              {isServerReply(outcome.reply)
                ? 'The mail server answered:'
                : 'The mail server could not be reached:'}{' '}
              <Code data-testid="release-reply">{outcome.reply}</Code>
            </Text>
          )}
        </Alert>
      )}
      {item.lastError && !releasing && !outcome && (
        <ErrorAlert
          title={
            item.lastError.code === 'interrupted'
              ? 'An earlier release was interrupted: it may have been delivered'
              : item.lastError.code === 'delivery_deferred'
                ? 'The last release was deferred: the message stays quarantined and can be released again'
                : 'The last release failed'
          }
          error={new Error(item.lastError.reply ?? item.lastError.detail)}
        />
      )}

      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <Paper withBorder p="md">
          <Title order={2} size="h5" mb="xs">
            Message
          </Title>
          <Table fz="sm" verticalSpacing={4} data-testid="header-summary">
            <Table.Tbody>
              <Row label="From" value={message.headers.from} />
              <Row label="To" value={message.headers.to} />
              {message.headers.cc && <Row label="Cc" value={message.headers.cc} />}
              <Row label="Date" value={message.headers.date} />
              <Row label="Envelope from" value={senderLabel(message.envelope.mailFrom)} />
              <Row label="Recipient" value={item.recipient} />
              <Row label="Message-ID" value={message.headers.messageId} />
              {message.remoteAddress && (
                <Row
                  label="Client"
                  value={
                    message.heloName
                      ? `${message.remoteAddress} (${message.heloName})`
                      : message.remoteAddress
                  }
                />
              )}
              {message.queueId && <Row label="Queue id" value={message.queueId} />}
              {message.headers.authResults && message.headers.authResults.length > 0 && (
                <Table.Tr>
                  <Table.Td c="dimmed" w={120} style={{ verticalAlign: 'top' }}>
                    Authentication
                  </Table.Td>
                  <Table.Td data-testid="auth-results">
                    {message.headers.authResults.map((result, index) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: a method can appear more than once (two DKIM signatures)
                      <Text key={index} size="sm" title={result.detail}>
                        {authResultWords(result)}
                        {result.detail && (
                          <Text span size="xs" c="dimmed">
                            {' '}
                            ({result.detail})
                          </Text>
                        )}
                      </Text>
                    ))}
                  </Table.Td>
                </Table.Tr>
              )}
            </Table.Tbody>
          </Table>
        </Paper>
        <Paper withBorder p="md">
          <Title order={2} size="h5" mb="xs">
            Verdict
          </Title>
          <Group gap="xs" mb="xs">
            <Badge color={item.reason === 'malware' ? 'red' : 'yellow'}>{item.reason}</Badge>
            {detailOfReason && (
              <Text size="sm" data-testid="verdict-reason-detail">
                {detailOfReason}
              </Text>
            )}
            {item.score !== null && <Text size="sm">Score {item.score}</Text>}
          </Group>
          <VerdictTable details={item.details} score={item.score} />
          {item.details.senderAllowed === true && (
            <Text size="xs" mt="xs">
              The sender is on an allow list for this recipient.
            </Text>
          )}
          {item.release && (
            <Text size="xs" mt="xs">
              Released to {item.release.to.join(', ')} by {item.release.by} at{' '}
              {formatDateTime(item.release.at)}: <Code>{item.release.reply}</Code>
            </Text>
          )}
        </Paper>
      </SimpleGrid>

      <Tabs defaultValue="preview" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="preview">Preview</Tabs.Tab>
          <Tabs.Tab value="headers">All headers</Tabs.Tab>
          <Tabs.Tab value="attachments">Attachments ({message.attachments.length})</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="preview" pt="sm">
          {content.isPending && <Loader size="sm" aria-label="Loading the preview" />}
          {content.isError && <ErrorAlert error={content.error} title="The preview cannot be shown" />}
          {content.data && <SafePreview itemId={item.id} content={content.data} />}
        </Tabs.Panel>
        <Tabs.Panel value="headers" pt="sm">
          {content.isError && <ErrorAlert error={content.error} />}
          {content.data && (
            <Table.ScrollContainer minWidth={500}>
              <Table fz="xs" striped data-testid="all-headers">
                <Table.Tbody>
                  {content.data.headers.map((header, index) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: header lines repeat and have no identity
                    <Table.Tr key={index}>
                      <Table.Td fw={600} style={{ whiteSpace: 'nowrap', verticalAlign: 'top' }}>
                        {header.name}
                      </Table.Td>
                      <Table.Td style={{ overflowWrap: 'anywhere' }}>{header.value}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </Tabs.Panel>
        <Tabs.Panel value="attachments" pt="sm">
          {message.attachments.length === 0 ? (
            <Text size="sm" c="dimmed">
              No attachments.
            </Text>
          ) : (
            <Table fz="sm" data-testid="attachments">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Type</Table.Th>
                  <Table.Th>Size</Table.Th>
                  <Table.Th>
                    <span className="sr-only">Download</span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {message.attachments.map((attachment, index) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: attachments are addressed by position
                  <Table.Tr key={index}>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>
                      {attachment.filename ?? '(unnamed)'}
                    </Table.Td>
                    <Table.Td>{attachment.contentType}</Table.Td>
                    <Table.Td>{formatSize(attachment.size)}</Table.Td>
                    <Table.Td>
                      {canDownloadAttachment ? (
                        <Anchor href={attachmentUrl(item.id, index)} download size="sm">
                          Download
                        </Anchor>
                      ) : (
                        <Text size="xs" c="dimmed">
                          Held as malware: not for your role
                        </Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Tabs.Panel>
      </Tabs>
      <ConfirmAction
        pending={pending}
        onCancel={() => setPending(null)}
        onConfirm={(recipients) => {
          const action = pending!.action;
          setPending(null);
          act.mutate({
            action,
            ...(recipients ? { recipients } : {}),
            ...(pending!.force ? { force: true } : {}),
          });
        }}
      />
    </Stack>
  );
}

interface ActRequest {
  action: BulkAction;
  recipients?: string[];
  force?: boolean;
}

const OUTCOME_COLOR = { delivered: 'green', deferred: 'orange', failed: 'red' } as const;

/** What the last release from this page came to, with the mail server's exact reply. */
interface ReleaseOutcome {
  tone: keyof typeof OUTCOME_COLOR;
  title: string;
  reply?: string;
}

function Row({ label, value }: { label: string; value: string | undefined }) {
  return (
    <Table.Tr>
      <Table.Td c="dimmed" w={120} style={{ verticalAlign: 'top' }}>
        {label}
      </Table.Td>
      <Table.Td style={{ overflowWrap: 'anywhere' }}>{value ?? '–'}</Table.Td>
    </Table.Tr>
  );
}

/** Report as spam; always allow or block the sender (for you, or for the recipient's domain as an admin). */
function SenderMenu({
  sender,
  domain,
  onList,
  onReport,
}: {
  sender: string;
  domain: string | null;
  onList: (action: ListAction, sender: string, domain: string | null) => void;
  onReport: () => void;
}) {
  const whom = domain ? `for ${domain}` : 'for me';
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Button variant="default">More…</Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Item onClick={onReport}>Report as spam</Menu.Item>
        {sender && (
          <>
            <Menu.Item onClick={() => onList('allow', sender, domain)}>
              Always allow {sender} {whom}
            </Menu.Item>
            <Menu.Item color="red" onClick={() => onList('block', sender, domain)}>
              Always block {sender} {whom}
            </Menu.Item>
          </>
        )}
      </Menu.Dropdown>
    </Menu>
  );
}
