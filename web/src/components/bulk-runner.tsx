import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { ApiError } from '../api/client';
import { type BulkRequest, getJob, jobEventsUrl, requestRelease, startJob } from '../api/endpoints';
import type { BulkAction, Job } from '../api/types';
import { plural } from '../lib/format';

/** One bulk action the user started, followed until it ends. */
export interface BulkRun {
  key: string;
  action: BulkAction;
  /** Server job id; absent when the server ran the selection inside the request. */
  jobId?: string;
  total: number | null;
  done: number;
  counts: Record<string, number>;
  state: string;
  failedIds: string[];
  error?: string;
}

interface BulkContextValue {
  runs: BulkRun[];
  start(request: BulkRequest, expected: number): Promise<void>;
  dismiss(key: string): void;
}

const BulkContext = createContext<BulkContextValue | null>(null);

export function useBulk(): BulkContextValue {
  const value = useContext(BulkContext);
  if (!value) throw new Error('useBulk outside BulkProvider');
  return value;
}

/** Least time between two refreshes of the list while a job runs. */
const LIVE_REFRESH_MS = 1500;
const FINAL_STATES = new Set(['completed', 'failed', 'cancelled']);
export const isFinal = (run: BulkRun) => FINAL_STATES.has(run.state);
const ACTION_VERB: Record<BulkAction, string> = {
  release: 'Release',
  delete: 'Delete',
  request_release: 'Release request',
};
export const actionLabel = (action: BulkAction) => ACTION_VERB[action];

function fromJob(key: string, job: Job, previous?: BulkRun): BulkRun {
  return {
    key,
    action: job.action,
    jobId: job.id,
    total: job.selectionComplete ? job.total : (previous?.total ?? job.total),
    done: job.processed,
    counts: Object.fromEntries(Object.entries(job.counters).filter(([, n]) => n > 0)),
    state: job.state,
    failedIds: previous?.failedIds ?? [],
    ...(job.error ? { error: job.error } : {}),
  };
}

/** Runs bulk actions: release and delete as server jobs followed over Server-Sent Events, release requests item by item. */
export function BulkProvider({ children }: { children: ReactNode }) {
  const [runs, setRuns] = useState<BulkRun[]>([]);
  // The runs as of now, for the event handlers; React state updaters run later, at render time.
  const current = useRef<BulkRun[]>([]);
  const queryClient = useQueryClient();
  const sources = useRef(new Map<string, EventSource>());

  const finished = useCallback(
    (run: BulkRun) => {
      void queryClient.invalidateQueries({ queryKey: ['items'] });
      void queryClient.invalidateQueries({ queryKey: ['stats'] });
      const failed = Object.entries(run.counts)
        .filter(([outcome]) => outcome !== 'ok')
        .reduce((sum, [, n]) => sum + n, 0);
      notifications.show({
        color: failed ? 'orange' : 'green',
        title: `${actionLabel(run.action)} finished`,
        message: `${plural(run.counts.ok ?? 0, 'message')} done${failed ? `, ${plural(failed, 'message')} not` : ''}.`,
      });
    },
    [queryClient],
  );

  const publish = useCallback((runs: BulkRun[]) => {
    current.current = runs;
    setRuns(runs);
  }, []);

  // While a job runs, the list's rows show its progress: the loaded pages are fetched again when
  // the job reports progress, at most once per LIVE_REFRESH_MS (not per event).
  const lastRefresh = useRef(0);
  const refreshRows = useCallback(() => {
    const now = Date.now();
    if (now - lastRefresh.current < LIVE_REFRESH_MS) return;
    lastRefresh.current = now;
    void queryClient.invalidateQueries({ queryKey: ['items'] });
  }, [queryClient]);

  /** Changes one run; the first time it reaches a final state, the lists are refreshed and the user told. */
  const update = useCallback(
    (key: string, change: (run: BulkRun) => BulkRun) => {
      const previous = current.current.find((run) => run.key === key);
      if (!previous) return;
      const next = change(previous);
      publish(current.current.map((run) => (run.key === key ? next : run)));
      if (isFinal(next) && !isFinal(previous)) finished(next);
      else if (!isFinal(next) && next.done > previous.done) refreshRows();
    },
    [finished, publish, refreshRows],
  );

  const follow = useCallback(
    (key: string, jobId: string) => {
      const source = new EventSource(jobEventsUrl(jobId));
      sources.current.set(key, source);
      const onEvent = (event: MessageEvent<string>) => {
        let job: Job;
        try {
          job = (JSON.parse(event.data) as { job: Job }).job;
        } catch {
          return;
        }
        update(key, (run) => fromJob(key, job, run));
        if (FINAL_STATES.has(job.state)) {
          source.close();
          sources.current.delete(key);
        }
      };
      for (const name of ['message', 'progress', 'job', 'state', 'done', 'end'])
        source.addEventListener(name, onEvent);
      source.onerror = () => {
        // The stream broke (proxy, restart): fall back to asking until the job ends.
        source.close();
        sources.current.delete(key);
        const poll = async () => {
          try {
            const job = await getJob(jobId);
            update(key, (run) => fromJob(key, job, run));
            if (!FINAL_STATES.has(job.state)) setTimeout(poll, 1000);
          } catch (error) {
            update(key, (run) => ({ ...run, state: 'failed', error: (error as Error).message }));
          }
        };
        void poll();
      };
    },
    [update],
  );

  /** Release requests (no bulk job exists for them): item by item, four at a time. */
  const requestEach = useCallback(
    async (key: string, ids: string[]) => {
      let next = 0;
      const worker = async () => {
        while (next < ids.length) {
          const id = ids[next++]!;
          let outcome = 'ok';
          try {
            await requestRelease(id);
          } catch (error) {
            outcome = error instanceof ApiError ? error.code : 'store_error';
          }
          update(key, (run) => ({
            ...run,
            done: run.done + 1,
            counts: { ...run.counts, [outcome]: (run.counts[outcome] ?? 0) + 1 },
            failedIds: outcome === 'ok' ? run.failedIds : [...run.failedIds, id],
          }));
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      update(key, (run) => ({ ...run, state: 'completed' }));
    },
    [update],
  );

  const start = useCallback(
    async (request: BulkRequest, expected: number) => {
      const key = `${Date.now()}-${Math.random()}`;
      publish([
        {
          key,
          action: request.action,
          total: expected,
          done: 0,
          counts: {},
          state: 'starting',
          failedIds: [],
        },
        ...current.current,
      ]);
      try {
        if (request.action === 'request_release') {
          if (!('ids' in request.selection))
            throw new Error('Release requests are made for selected messages only.');
          update(key, (run) => ({ ...run, state: 'running' }));
          await requestEach(key, request.selection.ids);
          return;
        }
        // Release and delete run as a durable server job, followed over Server-Sent Events.
        const job = await startJob({ ...request, action: request.action });
        update(key, (run) => fromJob(key, job, run));
        follow(key, job.id);
      } catch (error) {
        update(key, (run) => ({ ...run, state: 'failed', error: (error as Error).message }));
        throw error;
      }
    },
    [follow, publish, requestEach, update],
  );

  useEffect(() => {
    const open = sources.current;
    return () => {
      for (const source of open.values()) source.close();
    };
  }, []);

  const value = useMemo(
    () => ({
      runs,
      start,
      dismiss: (key: string) => publish(current.current.filter((run) => run.key !== key)),
    }),
    [runs, start, publish],
  );
  return <BulkContext.Provider value={value}>{children}</BulkContext.Provider>;
}
