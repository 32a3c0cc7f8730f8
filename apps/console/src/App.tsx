import { Center, Loader } from '@mantine/core';
import { Navigate, Route, Routes } from 'react-router-dom';
import type { Role } from '@fleetdesk/api-types';
import type { ReactNode } from 'react';
import { SocketProvider } from './api/socket';
import { useAuth, useCan } from './auth/auth';
import { EmptyState } from './components/common';
import { AuditPage } from './features/audit/AuditPage';
import { SetupPage } from './features/auth/SetupPage';
import { SignInPage } from './features/auth/SignInPage';
import { DeviceDetailPage } from './features/devices/DeviceDetailPage';
import { DevicesPage } from './features/devices/DevicesPage';
import { EnrollPage } from './features/enrollment/EnrollPage';
import { JobDetailPage } from './features/jobs/JobDetailPage';
import { JobsPage } from './features/jobs/JobsPage';
import { OverviewPage } from './features/overview/OverviewPage';
import { ScriptEditorPage } from './features/scripts/ScriptEditorPage';
import { ScriptsPage } from './features/scripts/ScriptsPage';
import { TokensPage } from './features/tokens/TokensPage';
import { UsersPage } from './features/users/UsersPage';
import { Shell } from './layout/Shell';

function RequireRole({ role, children }: { role: Role; children: ReactNode }) {
  const allowed = useCan(role);
  if (!allowed) {
    return (
      <EmptyState title="This page is not available to your role">
        It needs the {role} role. Ask an administrator if you need access.
      </EmptyState>
    );
  }
  return children;
}

export function App() {
  const { user, loading, needsSetup } = useAuth();

  if (loading) {
    return (
      <Center mih="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (!user) return needsSetup ? <SetupPage /> : <SignInPage />;

  return (
    <SocketProvider>
      <Routes>
        <Route element={<Shell />}>
          <Route index element={<OverviewPage />} />
          <Route path="devices" element={<DevicesPage />} />
          <Route path="devices/:id" element={<DeviceDetailPage />} />
          <Route
            path="enroll"
            element={
              <RequireRole role="technician">
                <EnrollPage />
              </RequireRole>
            }
          />
          <Route path="scripts" element={<ScriptsPage />} />
          <Route path="scripts/new" element={<ScriptEditorPage />} />
          <Route path="scripts/:id" element={<ScriptEditorPage />} />
          <Route path="jobs" element={<JobsPage />} />
          <Route path="jobs/:id" element={<JobDetailPage />} />
          <Route path="tokens" element={<TokensPage />} />
          <Route
            path="users"
            element={
              <RequireRole role="admin">
                <UsersPage />
              </RequireRole>
            }
          />
          <Route
            path="audit"
            element={
              <RequireRole role="admin">
                <AuditPage />
              </RequireRole>
            }
          />
          <Route path="login" element={<Navigate to="/" replace />} />
          <Route
            path="*"
            element={
              <EmptyState title="Page not found">
                The address does not match any page. Use the menu on the left.
              </EmptyState>
            }
          />
        </Route>
      </Routes>
    </SocketProvider>
  );
}
