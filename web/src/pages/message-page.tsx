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
import { useTranslation } from 'react-i18next';
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
  const { t } = useTranslation();
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
          title: t('message.deleted'),
          message: result.item.subject ?? result.item.id,
        });
        navigate('/quarantine');
        return;
      }
      queryClient.setQueryData(['item', id], { ...detail.data!, item: result.item });
      if (action === 'release' && result.item.release) {
        setOutcome({
          tone: 'delivered',
          title: t('message.deliveredTo', { recipients: result.item.release.to.join(', ') }),
          reply: result.item.release.reply,
        });
      } else notifications.show({ color: 'green', message: t('message.releaseRequested') });
    },
    onError: (error, { action }) => {
      // The release engine recorded the failure on the item: show it as it is now, not as it was.
      void queryClient.invalidateQueries({ queryKey: ['item', id] });
      void queryClient.invalidateQueries({ queryKey: ['items'] });
      if (action !== 'release') {
        notifications.show({ color: 'red', title: t('message.didNotWork'), message: errorMessage(error) });
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
        title: t('message.reported'),
        message: answer.learning === 'queued' ? t('message.learns') : t('message.noLearning'),
      }),
    onError: (error) =>
      notifications.show({ color: 'red', title: t('message.notReported'), message: errorMessage(error) }),
  });
  const list = useMutation({
    mutationFn: ({ action, sender, domain }: { action: ListAction; sender: string; domain: string | null }) =>
      putEntry(domain ? { scope: 'domain', domain } : {}, action, sender),
    onSuccess: (answer, { domain }) =>
      notifications.show({
        color: 'green',
        message: t(
          `message.listed.${answer.entry.action === 'allow' ? 'allow' : 'block'}${domain ? 'Domain' : 'You'}`,
          {
            sender: answer.entry.sender,
            domain,
          },
        ),
      }),
    onError: (error) =>
      notifications.show({ color: 'red', title: t('message.notListed'), message: errorMessage(error) }),
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
        message: approve ? t('message.approved') : t('message.denied'),
      });
    },
    onError: (error) =>
      notifications.show({ color: 'red', title: t('message.didNotWork'), message: errorMessage(error) }),
  });
  useHotkeys([
    [
      'r',
      () => releaseAction && !act.isPending && setPending({ action: releaseAction, count: 1, recipients }),
    ],
    ['d', () => allows('delete') && setPending({ action: 'delete', count: 1 })],
    ['u', () => navigate(-1)],
  ]);

  if (detail.isPending) return <Loader aria-label={t('message.loading')} />;
  if (detail.isError)
    return (
      <Stack>
        <ErrorAlert error={detail.error} title={t('message.cannotShow')} onRetry={() => detail.refetch()} />
        <Anchor component={Link} to="/quarantine">
          {t('errors.backToQuarantine')}
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
            {t('job.back')}
          </Anchor>
          <Title order={1} size="h3" style={{ overflowWrap: 'anywhere' }}>
            {message.headers.subject ?? t('list.noSubject')}
          </Title>
          <Group gap="xs">
            <Badge variant="light" data-testid="item-status">
              {t(`statuses.${item.status}`)}
            </Badge>
            <Text size="sm" c="dimmed">
              {formatDateTime(item.receivedAt)} · {formatSize(item.size)}
            </Text>
          </Group>
        </Stack>
        <Group gap="xs">
          {allows('approve_release') && (
            <Button color="green" onClick={() => decide.mutate(true)} loading={decide.isPending}>
              {t('message.approve')}
            </Button>
          )}
          {allows('deny_release') && (
            <Button
              variant="light"
              color="gray"
              onClick={() => decide.mutate(false)}
              loading={decide.isPending}
            >
              {t('message.deny')}
            </Button>
          )}
          {allows('release') && (
            <>
              <Button
                onClick={() => setPending({ action: 'release', count: 1, recipients })}
                loading={releasing}
                disabled={act.isPending}
              >
                {t('actions.release')}
              </Button>
              <Button
                variant="light"
                disabled={act.isPending}
                onClick={() => setPending({ action: 'release', count: 1, chooseRecipients: true })}
              >
                {t('actions.releaseTo')}
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
              {t('message.sendAgain')}
            </Button>
          )}
          {offersRequest(item) && (
            <Button
              disabled={act.isPending}
              onClick={() => setPending({ action: 'request_release', count: 1 })}
            >
              {t('actions.requestRelease')}
            </Button>
          )}
          {allows('delete') && (
            <Button
              color="red"
              variant="light"
              disabled={act.isPending}
              onClick={() => setPending({ action: 'delete', count: 1 })}
            >
              {t('actions.delete')}
            </Button>
          )}
          <Button component="a" href={rawUrl(item.id)} variant="default" download={`${item.id}.eml`}>
            {t('message.downloadEml')}
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
          {t('message.releasing', { recipients: (act.variables?.recipients ?? recipients).join(', ') })}
        </Alert>
      )}
      {outcome && (
        <Alert
          color={OUTCOME_COLOR[outcome.tone]}
          role={outcome.tone === 'delivered' ? 'status' : 'alert'}
          title={outcome.title}
          data-testid="release-outcome"
          withCloseButton
          closeButtonLabel={t('common.dismiss')}
          onClose={() => setOutcome(null)}
        >
          {outcome.reply && (
            <Text size="sm">
              {isServerReply(outcome.reply) ? t('message.serverAnswered') : t('message.serverUnreachable')}{' '}
              <Code data-testid="release-reply">{outcome.reply}</Code>
            </Text>
          )}
        </Alert>
      )}
      {item.lastError && !releasing && !outcome && (
        <ErrorAlert
          title={
            item.lastError.code === 'interrupted'
              ? t('message.interrupted')
              : item.lastError.code === 'delivery_deferred'
                ? t('message.lastDeferred')
                : t('message.lastFailed')
          }
          error={new Error(item.lastError.reply ?? item.lastError.detail)}
        />
      )}

      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <Paper withBorder p="md">
          <Title order={2} size="h5" mb="xs">
            {t('list.columns.message')}
          </Title>
          <Table fz="sm" verticalSpacing={4} data-testid="header-summary">
            <Table.Tbody>
              <Row label={t('list.columns.sender')} value={message.headers.from} />
              <Row label={t('list.columns.recipient')} value={message.headers.to} />
              {message.headers.cc && <Row label={t('message.cc')} value={message.headers.cc} />}
              <Row label={t('message.date')} value={message.headers.date} />
              <Row label={t('message.envelopeFrom')} value={senderLabel(message.envelope.mailFrom)} />
              <Row label={t('message.recipient')} value={item.recipient} />
              <Row label={t('message.messageId')} value={message.headers.messageId} />
              {message.remoteAddress && (
                <Row
                  label={t('message.client')}
                  value={
                    message.heloName
                      ? `${message.remoteAddress} (${message.heloName})`
                      : message.remoteAddress
                  }
                />
              )}
              {message.queueId && <Row label={t('message.queueId')} value={message.queueId} />}
              {message.headers.authResults && message.headers.authResults.length > 0 && (
                <Table.Tr>
                  <Table.Td c="dimmed" w={120} style={{ verticalAlign: 'top' }}>
                    {t('message.authentication')}
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
            {t('verdict.verdict')}
          </Title>
          <Group gap="xs" mb="xs">
            <Badge color={item.reason === 'malware' ? 'red' : 'yellow'}>{t(`reasons.${item.reason}`)}</Badge>
            {detailOfReason && (
              <Text size="sm" data-testid="verdict-reason-detail">
                {detailOfReason}
              </Text>
            )}
            {item.score !== null && <Text size="sm">{t('message.score', { score: item.score })}</Text>}
          </Group>
          <VerdictTable details={item.details} score={item.score} />
          {item.details.senderAllowed === true && (
            <Text size="xs" mt="xs">
              {t('message.senderAllowed')}
            </Text>
          )}
          {item.release && (
            <Text size="xs" mt="xs">
              {t('message.releasedBy', {
                recipients: item.release.to.join(', '),
                by: item.release.by,
                at: formatDateTime(item.release.at),
              })}{' '}
              <Code>{item.release.reply}</Code>
            </Text>
          )}
        </Paper>
      </SimpleGrid>

      <Tabs defaultValue="preview" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="preview">{t('message.preview')}</Tabs.Tab>
          <Tabs.Tab value="headers">{t('message.allHeaders')}</Tabs.Tab>
          <Tabs.Tab value="attachments">
            {t('message.attachments', { count: message.attachments.length })}
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="preview" pt="sm">
          {content.isPending && <Loader size="sm" aria-label={t('message.loadingPreview')} />}
          {content.isError && <ErrorAlert error={content.error} title={t('message.previewCannotShow')} />}
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
              {t('message.noAttachments')}
            </Text>
          ) : (
            <Table fz="sm" data-testid="attachments">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('tokens.name')}</Table.Th>
                  <Table.Th>{t('message.type')}</Table.Th>
                  <Table.Th>{t('list.columns.size')}</Table.Th>
                  <Table.Th>
                    <span className="sr-only">{t('message.download')}</span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {message.attachments.map((attachment, index) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: attachments are addressed by position
                  <Table.Tr key={index}>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>
                      {attachment.filename ?? t('message.unnamed')}
                    </Table.Td>
                    <Table.Td>{attachment.contentType}</Table.Td>
                    <Table.Td>{formatSize(attachment.size)}</Table.Td>
                    <Table.Td>
                      {canDownloadAttachment ? (
                        <Anchor href={attachmentUrl(item.id, index)} download size="sm">
                          {t('message.download')}
                        </Anchor>
                      ) : (
                        <Text size="xs" c="dimmed">
                          {t('message.malwareNotForRole')}
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
  const { t } = useTranslation();
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Button variant="default">{t('message.more')}</Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Item onClick={onReport}>{t('message.reportSpam')}</Menu.Item>
        {sender && (
          <>
            <Menu.Item onClick={() => onList('allow', sender, domain)}>
              {t(domain ? 'message.alwaysAllowDomain' : 'message.alwaysAllowMe', { sender, domain })}
            </Menu.Item>
            <Menu.Item color="red" onClick={() => onList('block', sender, domain)}>
              {t(domain ? 'message.alwaysBlockDomain' : 'message.alwaysBlockMe', { sender, domain })}
            </Menu.Item>
          </>
        )}
      </Menu.Dropdown>
    </Menu>
  );
}
