import {
  Alert,
  Anchor,
  Button,
  Center,
  Divider,
  Paper,
  PasswordInput,
  Stack,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { ApiError } from '../api/client';
import { signIn, signInOptions } from '../api/endpoints';
import { ErrorAlert } from '../components/error-alert';
import { useSession } from '../components/session';

export function SignInPage() {
  const { me } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  /** Null until the server asks for a second factor (totp_required); then the code being typed. */
  const [code, setCode] = useState<string | null>(null);
  const next = params.get('next')?.startsWith('/') ? params.get('next')! : '/quarantine';
  const login = useMutation({
    mutationFn: () => signIn(email.trim(), password, code?.trim()),
    onSuccess: (signedIn) => {
      queryClient.setQueryData(['me'], signedIn);
      navigate(signedIn.totpEnrolmentRequired ? '/settings' : next, { replace: true });
    },
    onError: (error) => {
      if (error instanceof ApiError && error.code === 'totp_required' && code === null) {
        setCode('');
        login.reset();
      }
    },
  });
  const options = useQuery({ queryKey: ['sign-in-options'], queryFn: signInOptions });
  /** Single sign-on is required: the password form waits behind a link for break-glass administrators. */
  const [adminSignIn, setAdminSignIn] = useState(false);
  const providers = options.data?.providers ?? [];
  // Offered once the options are known (or could not be read: the server still decides each sign-in).
  const showForm = adminSignIn || options.isError || options.data?.passwordForm === 'shown';
  const ssoError = params.get('ssoError');
  if (me) return <Navigate to={next} replace />;
  return (
    <Center component="main" mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="lg" w={380} maw="100%">
        <form
          onSubmit={(event) => {
            event.preventDefault();
            login.mutate();
          }}
        >
          <Stack>
            <Title order={1} size="h2">
              Sign in to Lazaret
            </Title>
            {login.isError && <ErrorAlert error={login.error} title="Sign-in failed" />}
            {ssoError && (
              <Alert color="red" title="Single sign-on failed">
                {params.get('ssoMessage') ?? ssoError}
              </Alert>
            )}
            {showForm && (
              <>
                <TextInput
                  label="Email"
                  type="email"
                  autoComplete="username"
                  required
                  autoFocus
                  value={email}
                  onChange={(event) => setEmail(event.currentTarget.value)}
                />
                <PasswordInput
                  label="Password"
                  autoComplete="current-password"
                  required
                  readOnly={code !== null}
                  value={password}
                  onChange={(event) => setPassword(event.currentTarget.value)}
                />
                {code !== null && (
                  <TextInput
                    label="Code from your authenticator app"
                    description="Or one of your recovery codes."
                    autoComplete="one-time-code"
                    required
                    autoFocus
                    value={code}
                    onChange={(event) => setCode(event.currentTarget.value)}
                  />
                )}
                <Button type="submit" loading={login.isPending}>
                  Sign in
                </Button>
              </>
            )}
            {showForm && providers.length > 0 && <Divider label="or" />}
            {providers.map((provider) => (
              <Button
                key={provider.id}
                component="a"
                href={`${provider.startUrl}?next=${encodeURIComponent(next)}`}
                variant={showForm ? 'default' : 'filled'}
              >
                Sign in with {provider.label}
              </Button>
            ))}
            {options.data?.passwordForm === 'break_glass' && !adminSignIn && (
              <Anchor
                component="button"
                type="button"
                size="xs"
                c="dimmed"
                onClick={() => setAdminSignIn(true)}
              >
                Administrator sign-in
              </Anchor>
            )}
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
