import { Center, Loader } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, Outlet, useLocation } from 'react-router';
import { fetchLanguage, fetchMe, signOut } from '../api/endpoints';
import type { Me } from '../api/types';
import { applyLanguage } from '../i18n';
import { ErrorAlert } from './error-alert';

interface Session {
  me: Me | null;
  isAdmin: boolean;
  signOut(): Promise<void>;
  refresh(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** Who is signed in (GET /api/auth/me), shared by every page. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const me = useQuery({ queryKey: ['me'], queryFn: fetchMe, staleTime: 60_000 });
  // Nobody signed in: the browser's language as the server negotiates it, else the server default.
  const anonymous = useQuery({
    queryKey: ['i18n'],
    queryFn: fetchLanguage,
    enabled: me.isSuccess && (me.data === null || me.data.language === undefined),
    staleTime: Number.POSITIVE_INFINITY,
  });
  applyLanguage(me.data?.language ?? anonymous.data?.language);
  const session = useMemo<Session>(
    () => ({
      me: me.data ?? null,
      isAdmin: me.data?.role === 'admin' || me.data?.role === 'domain_admin',
      async signOut() {
        const endSessionUrl = await signOut();
        // A fresh page load drops every cached answer of the signed-out session.
        queryClient.clear();
        window.location.assign(endSessionUrl ?? '/sign-in');
      },
      async refresh() {
        await queryClient.invalidateQueries({ queryKey: ['me'] });
      },
    }),
    [me.data, queryClient],
  );
  if (me.isPending)
    return (
      <Center h="100vh">
        <Loader aria-label={t('common.loading')} />
      </Center>
    );
  if (me.isError)
    return (
      <Center h="100vh" p="md">
        <ErrorAlert error={me.error} title={t('session.cannotReach')} onRetry={() => me.refetch()} />
      </Center>
    );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

/** Pages behind sign-in. */
export function RequireSession({ children }: { children: ReactNode }) {
  const { me } = useSession();
  const location = useLocation();
  if (!me)
    return (
      <Navigate to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`} replace />
    );
  if (me.totpEnrolmentRequired && location.pathname !== '/settings')
    return <Navigate to="/settings" replace />;
  return children;
}

/** Admin pages: administrators and domain administrators only. */
export function RequireAdmin() {
  const { isAdmin } = useSession();
  if (!isAdmin) return <Navigate to="/quarantine" replace />;
  return <Outlet />;
}
