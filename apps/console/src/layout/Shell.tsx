import {
  ActionIcon,
  AppShell,
  Badge,
  Burger,
  Button,
  Center,
  Loader,
  Group,
  NavLink,
  Text,
  Tooltip,
  useComputedColorScheme,
  useMantineColorScheme,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Suspense } from 'react';
import { NavLink as RouterLink, Outlet, useLocation } from 'react-router-dom';
import type { Role } from '@fleetdesk/api-types';
import { useSocket } from '../api/socket';
import { useAuth, useCan } from '../auth/auth';

const NAV: { to: string; label: string; role: Role; end?: boolean }[] = [
  { to: '/', label: 'Overview', role: 'viewer', end: true },
  { to: '/alerts', label: 'Alerts', role: 'viewer' },
  { to: '/devices', label: 'Devices', role: 'viewer' },
  { to: '/software', label: 'Software', role: 'viewer' },
  { to: '/patches', label: 'Patch compliance', role: 'viewer' },
  { to: '/enroll', label: 'Enroll a device', role: 'technician' },
  { to: '/scripts', label: 'Scripts', role: 'viewer' },
  { to: '/catalogue', label: 'Software catalogue', role: 'viewer' },
  { to: '/jobs', label: 'Jobs', role: 'viewer' },
  { to: '/schedules', label: 'Schedules', role: 'viewer' },
  { to: '/agent-checks', label: 'Agent checks', role: 'viewer' },
  { to: '/website-checks', label: 'Website checks', role: 'viewer' },
  { to: '/notification-channels', label: 'Notification channels', role: 'admin' },
  { to: '/policies', label: 'Automation policies', role: 'viewer' },
  { to: '/tokens', label: 'API tokens', role: 'viewer' },
  { to: '/users', label: 'Users', role: 'admin' },
  { to: '/audit', label: 'Audit log', role: 'admin' },
];

function NavItem({ item, onNavigate }: { item: (typeof NAV)[number]; onNavigate: () => void }) {
  const allowed = useCan(item.role);
  const location = useLocation();
  if (!allowed) return null;
  const active = item.end ? location.pathname === item.to : location.pathname.startsWith(item.to);
  return (
    <NavLink
      component={RouterLink}
      to={item.to}
      end={item.end}
      label={item.label}
      active={active}
      onClick={onNavigate}
    />
  );
}

/** Tells the technician when live updates stop, instead of silently showing stale states. */
function LiveIndicator() {
  const { connected } = useSocket();
  return (
    <Tooltip
      label={
        connected
          ? 'Live: device states and job output update as they happen'
          : 'Live updates paused: reconnecting to the server. What you see may be out of date.'
      }
    >
      <Badge
        color={connected ? 'green' : 'orange'}
        variant="light"
        data-testid="live-indicator"
        data-connected={connected}
      >
        {connected ? 'Live' : 'Reconnecting…'}
      </Badge>
    </Tooltip>
  );
}

export function Shell() {
  const { user, signOut } = useAuth();
  const [opened, { toggle, close }] = useDisclosure();
  const { setColorScheme } = useMantineColorScheme();
  const scheme = useComputedColorScheme('light');

  return (
    <AppShell
      header={{ height: 52 }}
      navbar={{ width: 210, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding={{ base: 'xs', sm: 'md' }}
    >
      {/* Keyboard users skip the eight menu links on every page. */}
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <AppShell.Header>
        {/* On a phone (390 px) everything must fit on one line: the role badge and the user's
            name go, the rest shrinks; nothing is cut off. */}
        <Group h="100%" px={{ base: 'xs', sm: 'md' }} justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap" style={{ minWidth: 0 }}>
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
            <Text component={RouterLink} to="/" fw={700} size="lg" c="inherit" td="none">
              Fleetdesk
            </Text>
            <LiveIndicator />
          </Group>
          <Group gap="xs" wrap="nowrap" style={{ flex: 'none' }}>
            <Text size="sm" visibleFrom="sm" data-testid="current-user">
              {user?.displayName}
            </Text>
            <Badge variant="outline" visibleFrom="sm">
              {user?.role}
            </Badge>
            <ActionIcon
              variant="subtle"
              aria-label="Toggle dark mode"
              onClick={() => setColorScheme(scheme === 'dark' ? 'light' : 'dark')}
            >
              {scheme === 'dark' ? '☀' : '☾'}
            </ActionIcon>
            <Button
              variant="subtle"
              size="compact-sm"
              px={6}
              style={{ flex: 'none' }}
              onClick={() => void signOut()}
            >
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        {NAV.map((item) => (
          <NavItem key={item.to} item={item} onNavigate={close} />
        ))}
        {/* Who is signed in, where the header has no room for it. */}
        <Text size="xs" c="dimmed" hiddenFrom="sm" mt="md" px="sm" data-testid="menu-user">
          Signed in as {user?.displayName} ({user?.role})
        </Text>
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <Suspense
          fallback={
            <Center py="xl">
              <Loader aria-label="Loading page" />
            </Center>
          }
        >
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
