import { Center, Loader } from '@mantine/core';
import { Navigate, Route, Routes } from 'react-router-dom';
import type { Role } from '@fleetdesk/api-types';
import { lazy, type ReactNode } from 'react';
import { SocketProvider } from './api/socket';
import { useAuth, useCan } from './auth/auth';
import { EmptyState } from './components/common';
import { SetupPage } from './features/auth/SetupPage';
import { SignInPage } from './features/auth/SignInPage';
import { Shell } from './layout/Shell';

// Each page is its own chunk: the editor, terminal and charts load only where they are used.
const AlertsPage = lazy(() =>
  import('./features/monitoring/AlertsPage').then((m) => ({ default: m.AlertsPage })),
);
const ChannelsPage = lazy(() =>
  import('./features/monitoring/ChannelsPage').then((m) => ({ default: m.ChannelsPage })),
);
const AgentChecksPage = lazy(() =>
  import('./features/checks/AgentChecksPage').then((m) => ({ default: m.AgentChecksPage })),
);
const AgentCheckDetailPage = lazy(() =>
  import('./features/checks/AgentCheckDetailPage').then((m) => ({
    default: m.AgentCheckDetailPage,
  })),
);
const WebsiteChecksPage = lazy(() =>
  import('./features/monitoring/WebsiteChecksPage').then((m) => ({
    default: m.WebsiteChecksPage,
  })),
);
const WebsiteCheckDetailPage = lazy(() =>
  import('./features/monitoring/WebsiteCheckDetailPage').then((m) => ({
    default: m.WebsiteCheckDetailPage,
  })),
);
const AuditPage = lazy(() =>
  import('./features/audit/AuditPage').then((m) => ({ default: m.AuditPage })),
);
const DeviceDetailPage = lazy(() =>
  import('./features/devices/DeviceDetailPage').then((m) => ({ default: m.DeviceDetailPage })),
);
const DevicesPage = lazy(() =>
  import('./features/devices/DevicesPage').then((m) => ({ default: m.DevicesPage })),
);
const EnrollPage = lazy(() =>
  import('./features/enrollment/EnrollPage').then((m) => ({ default: m.EnrollPage })),
);
const JobDetailPage = lazy(() =>
  import('./features/jobs/JobDetailPage').then((m) => ({ default: m.JobDetailPage })),
);
const SoftwarePage = lazy(() =>
  import('./features/software/SoftwarePage').then((m) => ({ default: m.SoftwarePage })),
);
const JobsPage = lazy(() =>
  import('./features/jobs/JobsPage').then((m) => ({ default: m.JobsPage })),
);
const OverviewPage = lazy(() =>
  import('./features/overview/OverviewPage').then((m) => ({ default: m.OverviewPage })),
);
const ScriptEditorPage = lazy(() =>
  import('./features/scripts/ScriptEditorPage').then((m) => ({ default: m.ScriptEditorPage })),
);
const ScriptsPage = lazy(() =>
  import('./features/scripts/ScriptsPage').then((m) => ({ default: m.ScriptsPage })),
);
const PoliciesPage = lazy(() =>
  import('./features/policies/PoliciesPage').then((m) => ({ default: m.PoliciesPage })),
);
const SchedulesPage = lazy(() =>
  import('./features/schedules/SchedulesPage').then((m) => ({ default: m.SchedulesPage })),
);
const SoftwareSearchPage = lazy(() =>
  import('./features/software/SoftwareSearchPage').then((m) => ({
    default: m.SoftwareSearchPage,
  })),
);
const PatchCompliancePage = lazy(() =>
  import('./features/software/PatchCompliancePage').then((m) => ({
    default: m.PatchCompliancePage,
  })),
);
const TokensPage = lazy(() =>
  import('./features/tokens/TokensPage').then((m) => ({ default: m.TokensPage })),
);
const UsersPage = lazy(() =>
  import('./features/users/UsersPage').then((m) => ({ default: m.UsersPage })),
);

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
          <Route path="software" element={<SoftwareSearchPage />} />
          <Route path="patches" element={<PatchCompliancePage />} />
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
          <Route path="catalogue" element={<SoftwarePage />} />
          <Route path="jobs" element={<JobsPage />} />
          <Route path="jobs/:id" element={<JobDetailPage />} />
          <Route path="schedules" element={<SchedulesPage />} />
          <Route path="alerts" element={<AlertsPage />} />
          <Route path="agent-checks" element={<AgentChecksPage />} />
          <Route path="agent-checks/:id" element={<AgentCheckDetailPage />} />
          <Route path="website-checks" element={<WebsiteChecksPage />} />
          <Route path="website-checks/:id" element={<WebsiteCheckDetailPage />} />
          <Route
            path="notification-channels"
            element={
              <RequireRole role="admin">
                <ChannelsPage />
              </RequireRole>
            }
          />
          <Route path="policies" element={<PoliciesPage />} />
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
