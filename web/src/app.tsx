import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { ApiError } from './api/client';
import { ErrorBoundary } from './components/error-boundary';
import { Layout } from './components/layout';
import { RequireAdmin, SessionProvider } from './components/session';
import { AuditPage } from './pages/audit-page';
import { DashboardPage } from './pages/dashboard-page';
import { DigestAdminPage } from './pages/digest-admin-page';
import { JobPage } from './pages/job-page';
import { MessagePage } from './pages/message-page';
import { NotFoundPage } from './pages/not-found-page';
import { QuarantinePage } from './pages/quarantine-page';
import { SettingsPage } from './pages/settings-page';
import { SignInPage } from './pages/sign-in-page';
import { TokensPage } from './pages/tokens-page';
import { UserPage } from './pages/user-page';
import { UsersPage } from './pages/users-page';
import { cssVariablesResolver, theme } from './theme';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      refetchOnWindowFocus: false,
      // A 4xx will not get better by asking again.
      retry: (failures, error) =>
        !(error instanceof ApiError && error.status >= 400 && error.status < 500) && failures < 2,
    },
  },
});

export function App() {
  return (
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver}>
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <ErrorBoundary>
            <SessionProvider>
              <Routes>
                <Route path="/sign-in" element={<SignInPage />} />
                <Route element={<Layout />}>
                  <Route index element={<Navigate to="/quarantine" replace />} />
                  <Route path="/quarantine" element={<QuarantinePage />} />
                  <Route path="/quarantine/:id" element={<MessagePage />} />
                  <Route path="/jobs/:id" element={<JobPage />} />
                  <Route path="/settings" element={<SettingsPage />} />
                  <Route element={<RequireAdmin />}>
                    <Route path="/dashboard" element={<DashboardPage />} />
                    <Route path="/admin/users" element={<UsersPage />} />
                    <Route path="/admin/users/:id" element={<UserPage />} />
                    <Route path="/admin/tokens" element={<TokensPage />} />
                    <Route path="/admin/audit" element={<AuditPage />} />
                    <Route path="/admin/digests" element={<DigestAdminPage />} />
                  </Route>
                  <Route path="*" element={<NotFoundPage />} />
                </Route>
              </Routes>
            </SessionProvider>
          </ErrorBoundary>
        </BrowserRouter>
      </QueryClientProvider>
    </MantineProvider>
  );
}
