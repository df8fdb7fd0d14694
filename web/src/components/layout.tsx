import { AppShell, Badge, Burger, Button, Group, Menu, NavLink, Text, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Outlet, NavLink as RouterLink, useLocation } from 'react-router';
import { BulkProvider } from './bulk-runner';
import { RequireSession, useSession } from './session';

const ROLE_LABEL = { admin: 'Administrator', domain_admin: 'Domain admin', user: 'User' } as const;

export function Layout() {
  return (
    <RequireSession>
      <BulkProvider>
        <Shell />
      </BulkProvider>
    </RequireSession>
  );
}

function Shell() {
  const [opened, { toggle, close }] = useDisclosure();
  const { me, isAdmin, signOut } = useSession();
  const location = useLocation();
  const links = [
    { to: '/quarantine', label: 'Quarantine' },
    ...(isAdmin
      ? [
          { to: '/dashboard', label: 'Dashboard' },
          { to: '/admin/users', label: 'Users' },
          { to: '/admin/tokens', label: 'API tokens' },
          { to: '/admin/audit', label: 'Audit log' },
          { to: '/admin/digests', label: 'Digests & lists' },
        ]
      : []),
    ...(me && !me.local ? [{ to: '/settings', label: 'Settings' }] : []),
  ];
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 200, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Toggle navigation"
            />
            <Text fw={700} size="lg" component="span">
              Lazaret
            </Text>
          </Group>
          {me && (
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <UnstyledButton data-testid="who-am-i">
                  {/* The name is the visible text, so that voice control finds the button by it. */}
                  <span className="sr-only">Signed in as </span>
                  <Group gap={6} wrap="nowrap">
                    <Text size="sm" truncate maw={220} visibleFrom="xs">
                      {me.email}
                    </Text>
                    <Badge size="sm" variant="light">
                      {ROLE_LABEL[me.role]}
                    </Badge>
                  </Group>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                {me.local ? (
                  <Menu.Label>Local access without sign-in</Menu.Label>
                ) : (
                  <Menu.Item onClick={() => void signOut()}>Sign out</Menu.Item>
                )}
              </Menu.Dropdown>
            </Menu>
          )}
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        {links.map((link) => (
          <NavLink
            key={link.to}
            component={RouterLink}
            to={link.to}
            label={link.label}
            active={location.pathname.startsWith(link.to)}
            onClick={close}
          />
        ))}
        {me && !me.local && (
          <Button variant="subtle" mt="auto" hiddenFrom="sm" onClick={() => void signOut()}>
            Sign out
          </Button>
        )}
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
