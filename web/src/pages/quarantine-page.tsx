import {
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  Loader,
  Paper,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import { countItems, DISPLAY_COUNT_LIMIT, listItems, offersRequest } from '../api/endpoints';
import type { BulkAction, Item } from '../api/types';
import { useBulk } from '../components/bulk-runner';
import { ConfirmAction, type PendingAction } from '../components/confirm-action';
import { ErrorAlert } from '../components/error-alert';
import { JobsPanel } from '../components/jobs-panel';
import { QuickFilters, WAITING_STATUSES } from '../components/quick-filters';
import { SearchBox } from '../components/search-box';
import { useSession } from '../components/session';
import { formatBound, formatCount, formatShort, formatSize, senderLabel } from '../lib/format';
import { randomKey } from '../lib/random-key';
import { reasonDetail } from '../lib/verdict';

const ROW_HEIGHT = 44;
const REASON_COLOR: Record<string, string> = {
  spam: 'yellow',
  malware: 'red',
  phish: 'grape',
  policy: 'blue',
  bulk: 'gray',
  manual: 'teal',
};

type SortField = 'receivedAt' | 'sender' | 'recipient' | 'subject' | 'reason' | 'score' | 'size';
const COLUMNS: SortField[] = ['receivedAt', 'sender', 'recipient', 'subject', 'reason', 'score', 'size'];

/** What a user's list shows before they search: the mail still waiting (held, or its release asked for). */
export const USER_DEFAULT_QUERY = `status:${WAITING_STATUSES}`;

/**
 * The list: one search box, quick filters, cursor pages loaded as you scroll, and only the visible
 * rows in the DOM (TanStack Virtual), so a million items scroll like a hundred. It is an ARIA grid of
 * divs because virtual rows are absolutely positioned, which table rows cannot be.
 */
export function QuarantinePage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const { me } = useSession();
  // Users start on what is waiting for them; an emptied search box (q=) shows everything.
  const defaultQuery = me?.role === 'user' ? USER_DEFAULT_QUERY : '';
  const query = params.get('q') ?? defaultQuery;
  const sort = params.get('sort') ?? '-receivedAt';
  // Someone who sees the mail of one address only learns nothing from a To column.
  const showRecipient = !(me?.role === 'user' && me.addresses.length <= 1);
  const columns = showRecipient ? COLUMNS : COLUMNS.filter((field) => field !== 'recipient');
  const navigate = useNavigate();
  const bulk = useBulk();
  const searchRef = useRef<HTMLInputElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [allMatching, setAllMatching] = useState(false);
  const [active, setActive] = useState(0);
  const [pending, setPending] = useState<(PendingAction & { ids: string[] | null }) | null>(null);

  const list = useInfiniteQuery({
    queryKey: ['items', query, sort],
    queryFn: ({ pageParam, signal }) => listItems(query, pageParam, signal, sort),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const rows = useMemo(() => list.data?.pages.flatMap((page) => page.items) ?? [], [list.data]);
  const allLoadedSelected = rows.length > 0 && rows.every((row) => selected.has(row.id));
  // The total of matches, counted by the server when more than the loaded pages match: up to
  // DISPLAY_COUNT_LIMIT for the status line (beyond, a lower bound shown as "10,000+"), and up to the
  // server's most only when it is needed to offer "select all N matching".
  const count = useQuery({
    queryKey: ['count', query, DISPLAY_COUNT_LIMIT],
    queryFn: () => countItems(query, DISPLAY_COUNT_LIMIT),
    enabled: list.hasNextPage,
    retry: false,
  });
  const fullCount = useQuery({
    queryKey: ['count', query],
    queryFn: () => countItems(query),
    enabled: allLoadedSelected && list.hasNextPage && count.data?.exact === false,
    retry: false,
  });
  const counted = count.data?.exact
    ? count.data.count
    : fullCount.data?.exact
      ? fullCount.data.count
      : undefined;
  const total = list.hasNextPage ? counted : rows.length;
  const matching =
    !list.hasNextPage && !list.isPending
      ? formatCount(rows.length)
      : counted !== undefined
        ? formatCount(counted)
        : count.data
          ? formatBound(count.data.count, count.data.exact)
          : undefined;

  const search = useCallback(
    (next: string, nextSort = sort) => {
      const updated = new URLSearchParams();
      if (next || defaultQuery) updated.set('q', next);
      if (nextSort !== '-receivedAt') updated.set('sort', nextSort);
      setParams(updated);
      setSelected(new Set());
      setAllMatching(false);
      setActive(0);
    },
    [setParams, sort, defaultQuery],
  );

  const virtualizer = useVirtualizer({
    count: rows.length + (list.hasNextPage ? 1 : 0),
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const virtualRows = virtualizer.getVirtualItems();
  const lastVisible = virtualRows.at(-1)?.index ?? 0;
  useEffect(() => {
    if (lastVisible >= rows.length - 40 && list.hasNextPage && !list.isFetchingNextPage)
      void list.fetchNextPage();
  }, [lastVisible, rows.length, list.hasNextPage, list.isFetchingNextPage, list.fetchNextPage]);

  const moveTo = (index: number) => {
    if (rows.length === 0) return;
    const next = Math.max(0, Math.min(rows.length - 1, index));
    setActive(next);
    virtualizer.scrollToIndex(next, { align: 'auto' });
    requestAnimationFrame(() => document.getElementById(`row-${next}`)?.focus());
  };
  const toggle = (id: string) => {
    setAllMatching(false);
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  };
  const selectionCount = allMatching ? (total ?? null) : selected.size;
  const ask = (action: BulkAction, chooseRecipients = false) => {
    if (allMatching) {
      if (total === undefined) return;
      setPending({ action, count: total, chooseRecipients, ids: null });
    } else if (selected.size > 0) {
      setPending({ action, count: selected.size, chooseRecipients, ids: [...selected] });
    } else if (rows[active]) {
      setPending({ action, count: 1, chooseRecipients, ids: [rows[active]!.id] });
    }
  };
  // The actions offered are those the loaded items of the selection (else the active row) allow.
  const targets = allMatching
    ? rows
    : selected.size > 0
      ? rows.filter((row) => selected.has(row.id))
      : rows.slice(active, active + 1);
  const offersRelease = targets.some((row) => row.allowedActions.includes('release'));
  const offersRequestRelease = targets.some(offersRequest);
  const offersDelete = targets.some((row) => row.allowedActions.includes('delete'));
  const releaseAction: BulkAction | null = offersRelease
    ? 'release'
    : offersRequestRelease
      ? 'request_release'
      : null;

  useHotkeys([
    ['j', () => moveTo(active + 1)],
    ['k', () => moveTo(active - 1)],
    ['x', () => rows[active] && toggle(rows[active]!.id)],
    ['r', () => releaseAction && ask(releaseAction)],
    ['d', () => offersDelete && ask('delete')],
    ['o', () => rows[active] && navigate(`/quarantine/${rows[active]!.id}`)],
    [
      '/',
      (event) => {
        event.preventDefault();
        searchRef.current?.focus();
      },
    ],
  ]);

  const confirm = async (recipients?: string[]) => {
    if (!pending) return;
    const { action, count, ids } = pending;
    setPending(null);
    setSelected(new Set());
    setAllMatching(false);
    await bulk
      .start(
        {
          action,
          selection: ids ? { ids } : { query },
          ...(recipients ? { recipients } : {}),
          idempotencyKey: randomKey(),
        },
        count,
      )
      .catch(() => undefined);
  };

  const sortField = sort.replace(/^-/, '') as SortField;
  const sortDescending = sort.startsWith('-');

  return (
    <Stack gap="sm">
      <Title order={1} size="h3">
        {t('nav.quarantine')}
      </Title>
      <Group align="flex-end" gap="sm" wrap="wrap">
        <SearchBox ref={searchRef} value={query} onSearch={(next) => search(next)} />
        <QuickFilters query={query} onChange={(next) => search(next)} />
      </Group>
      <JobsPanel />
      {(selected.size > 0 || allMatching) && (
        <Paper
          withBorder
          p="xs"
          bg="indigo.0"
          role="region"
          aria-label={t('list.bulkBar')}
          data-testid="bulk-bar"
        >
          <Group justify="space-between" gap="xs">
            <Text size="sm" fw={600} data-testid="selection-count">
              {selectionCount === null
                ? t('list.allMatchingSelected')
                : t('list.selected', { count: selectionCount })}
            </Text>
            <Group gap="xs">
              {offersRelease && (
                <>
                  <Button size="xs" onClick={() => ask('release')}>
                    {t('actions.release')}
                  </Button>
                  <Button size="xs" variant="light" onClick={() => ask('release', true)}>
                    {t('actions.releaseTo')}
                  </Button>
                </>
              )}
              {offersRequestRelease && (
                <Button size="xs" variant="light" onClick={() => ask('request_release')}>
                  {t('actions.requestRelease')}
                </Button>
              )}
              {offersDelete && (
                <Button size="xs" color="red" variant="light" onClick={() => ask('delete')}>
                  {t('actions.delete')}
                </Button>
              )}
              <Button
                size="xs"
                variant="subtle"
                onClick={() => {
                  setSelected(new Set());
                  setAllMatching(false);
                }}
              >
                {t('list.clear')}
              </Button>
            </Group>
          </Group>
        </Paper>
      )}
      {allLoadedSelected &&
        !allMatching &&
        (list.hasNextPage || (total !== undefined && total > rows.length)) && (
          <Alert color="indigo" p="xs">
            <Group gap="xs">
              <Text size="sm">{t('list.allLoadedSelected', { count: rows.length })}</Text>
              <Anchor
                component="button"
                size="sm"
                onClick={() => setAllMatching(true)}
                disabled={total === undefined}
              >
                {total === undefined ? t('list.cannotCount') : t('list.selectAllMatching', { count: total })}
              </Anchor>
            </Group>
          </Alert>
        )}
      {list.isError && (
        <ErrorAlert error={list.error} title={t('list.cannotLoad')} onRetry={() => list.refetch()} />
      )}
      <Paper withBorder>
        <div
          role="grid"
          className={showRecipient ? undefined : 'lz-no-recipient'}
          aria-label={t('list.gridLabel')}
          aria-rowcount={total ?? (list.hasNextPage ? -1 : rows.length)}
          aria-multiselectable="true"
        >
          <div role="row" className="lz-row lz-grid lz-header" style={{ height: 36 }}>
            <div role="columnheader" className="lz-cell">
              <Checkbox
                aria-label={t('list.selectAllLoaded')}
                checked={allLoadedSelected}
                indeterminate={selected.size > 0 && !allLoadedSelected}
                onChange={() => {
                  setAllMatching(false);
                  setSelected(allLoadedSelected ? new Set() : new Set(rows.map((row) => row.id)));
                }}
              />
            </div>
            {columns.map((field) => (
              <div
                key={field}
                role="columnheader"
                className="lz-cell lz-wide"
                aria-sort={sortField === field ? (sortDescending ? 'descending' : 'ascending') : 'none'}
              >
                <button
                  type="button"
                  className="lz-sort"
                  onClick={() => search(query, sortField === field && sortDescending ? field : `-${field}`)}
                >
                  {t(`list.columns.${field}`)}
                  {sortField === field ? (sortDescending ? ' ▼' : ' ▲') : ''}
                </button>
              </div>
            ))}
            <div role="columnheader" className="lz-cell lz-wide">
              {t('list.columns.status')}
            </div>
            <div role="columnheader" className="lz-cell lz-only-narrow">
              {t('list.columns.message')}
            </div>
            <div role="columnheader" className="lz-cell lz-only-narrow">
              {t('list.columns.reason')}
            </div>
          </div>
          <div
            ref={scrollRef}
            style={{ height: 'calc(100vh - 330px)', minHeight: 300, overflow: 'auto' }}
            data-testid="list-scroll"
          >
            {list.isPending ? (
              <Group justify="center" p="lg">
                <Loader size="sm" aria-label={t('list.loading')} />
              </Group>
            ) : rows.length === 0 && !list.isError ? (
              <Stack p="lg" gap={4} align="center" data-testid="list-empty">
                <Text c="dimmed" ta="center">
                  {query === USER_DEFAULT_QUERY
                    ? t('list.nothingWaiting')
                    : query
                      ? t('list.noneMatch', { query })
                      : t('list.noneHeld')}
                </Text>
                {query && (
                  <Anchor component="button" size="sm" onClick={() => search('')}>
                    {t('list.showAll')}
                  </Anchor>
                )}
              </Stack>
            ) : (
              <div role="rowgroup" style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
                {virtualRows.map((virtualRow) => {
                  const item = rows[virtualRow.index];
                  if (!item) {
                    return (
                      <div
                        key="loader"
                        role="row"
                        style={{
                          position: 'absolute',
                          top: 0,
                          left: 0,
                          right: 0,
                          height: ROW_HEIGHT,
                          transform: `translateY(${virtualRow.start}px)`,
                        }}
                      >
                        <Group justify="center" h={ROW_HEIGHT}>
                          <Loader size="xs" aria-label={t('list.loadingMore')} />
                        </Group>
                      </div>
                    );
                  }
                  return (
                    <ItemRow
                      key={item.id}
                      item={item}
                      index={virtualRow.index}
                      top={virtualRow.start}
                      active={virtualRow.index === active}
                      selected={allMatching || selected.has(item.id)}
                      showRecipient={showRecipient}
                      onToggle={() => toggle(item.id)}
                      onOpen={() => navigate(`/quarantine/${item.id}`)}
                      onFocus={() => setActive(virtualRow.index)}
                    />
                  );
                })}
              </div>
            )}
          </div>
        </div>
      </Paper>
      <Text size="xs" c="dimmed" data-testid="list-status">
        {matching !== undefined
          ? t('list.matching', { count: matching })
          : list.hasNextPage
            ? t('list.counting')
            : ''}
        {t(list.hasNextPage ? 'list.loadedMore' : 'list.loaded', { count: rows.length })}
      </Text>
      <ConfirmAction pending={pending} onCancel={() => setPending(null)} onConfirm={confirm} />
    </Stack>
  );
}

function ItemRow({
  item,
  index,
  top,
  active,
  selected,
  showRecipient,
  onToggle,
  onOpen,
  onFocus,
}: {
  item: Item;
  index: number;
  top: number;
  active: boolean;
  selected: boolean;
  showRecipient: boolean;
  onToggle(): void;
  onOpen(): void;
  onFocus(): void;
}) {
  const { t } = useTranslation();
  const subject = item.subject ?? t('list.noSubject');
  const detail = reasonDetail(item.details);
  return (
    <div
      id={`row-${index}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      tabIndex={active ? 0 : -1}
      data-active={active}
      data-selected={selected}
      data-testid="item-row"
      className="lz-row lz-grid"
      style={{
        position: 'absolute',
        top: 0,
        left: 0,
        right: 0,
        height: ROW_HEIGHT,
        transform: `translateY(${top}px)`,
      }}
      onClick={onOpen}
      onFocus={onFocus}
      onKeyDown={(event) => {
        if (event.key === 'Enter') onOpen();
        if (event.key === ' ') {
          event.preventDefault();
          onToggle();
        }
      }}
    >
      <div
        role="gridcell"
        className="lz-cell"
        onClick={(event) => event.stopPropagation()}
        onKeyDown={(event) => event.stopPropagation()}
      >
        <Checkbox
          aria-label={t('list.selectRow', { subject, sender: senderLabel(item.sender) })}
          checked={selected}
          onChange={onToggle}
          tabIndex={-1}
        />
      </div>
      <div role="gridcell" className="lz-cell lz-wide">
        {formatShort(item.receivedAt)}
      </div>
      <div role="gridcell" className="lz-cell lz-wide" title={item.from ?? item.sender}>
        {senderLabel(item.sender)}
      </div>
      {showRecipient && (
        <div role="gridcell" className="lz-cell lz-wide" title={item.recipient}>
          {item.recipient}
        </div>
      )}
      <div role="gridcell" className="lz-cell lz-wide" title={subject}>
        {item.hasAttachments && <AttachmentMark />}
        {subject}
      </div>
      <div role="gridcell" className="lz-cell lz-wide" title={detail ?? undefined}>
        <Badge size="sm" variant="light" color={REASON_COLOR[item.reason]}>
          {t(`reasons.${item.reason}`)}
        </Badge>
        {detail && (
          <Text span size="xs" c="dimmed" ml={4} data-testid="reason-detail">
            {detail}
          </Text>
        )}
      </div>
      <div role="gridcell" className="lz-cell lz-wide">
        {item.score ?? '–'}
      </div>
      <div role="gridcell" className="lz-cell lz-wide">
        {formatSize(item.size)}
      </div>
      <div role="gridcell" className="lz-cell lz-wide">
        <Text size="xs" c={item.status === 'quarantined' ? 'dimmed' : undefined} data-testid="row-status">
          {t(`statuses.${item.status}`)}
        </Text>
      </div>
      <div role="gridcell" className="lz-cell lz-only-narrow">
        <Text size="sm" truncate fw={500}>
          {subject}
        </Text>
        <Text size="xs" c="dimmed" truncate>
          {senderLabel(item.sender)} · {formatShort(item.receivedAt)}
        </Text>
      </div>
      <div role="gridcell" className="lz-cell lz-only-narrow">
        <Badge size="xs" variant="light" color={REASON_COLOR[item.reason]}>
          {t(`reasons.${item.reason}`)}
        </Badge>
      </div>
    </div>
  );
}

/** A paperclip, drawn so it shows without an emoji font. */
function AttachmentMark() {
  const { t } = useTranslation();
  return (
    <svg
      width="12"
      height="12"
      viewBox="0 0 24 24"
      role="img"
      aria-label={t('list.hasAttachments')}
      style={{ marginRight: 4, verticalAlign: -1 }}
    >
      <path
        d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5"
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
        strokeLinecap="round"
      />
    </svg>
  );
}
