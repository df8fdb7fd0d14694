import { Alert, Button, Code, Group, List, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import qrcode from 'qrcode-generator';
import { useState } from 'react';
import { confirmTotp, enrolTotp, removeTotp } from '../api/endpoints';
import { ErrorAlert } from './error-alert';
import { useSession } from './session';

/** A QR code of the otpauth:// URI, as an image an authenticator app scans from the screen. */
function QrCode({ text }: { text: string }) {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  return (
    <img
      src={qr.createDataURL(5, 4)}
      alt="QR code for your authenticator app"
      style={{ width: 200, height: 200, imageRendering: 'pixelated' }}
    />
  );
}

/** The secret in groups of four, easier to type into an app that cannot scan. */
const grouped = (secret: string) => secret.match(/.{1,4}/g)?.join(' ') ?? secret;

function CodeForm({
  label,
  submit,
  pending,
  onSubmit,
}: {
  label: string;
  submit: string;
  pending: boolean;
  onSubmit: (code: string) => void;
}) {
  const [code, setCode] = useState('');
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit(code.trim());
      }}
    >
      <Group align="end">
        <TextInput
          label={label}
          autoComplete="one-time-code"
          inputMode="text"
          required
          value={code}
          onChange={(event) => setCode(event.currentTarget.value)}
        />
        <Button type="submit" loading={pending}>
          {submit}
        </Button>
      </Group>
    </form>
  );
}

/** Settings section: set up a TOTP second factor, see the recovery codes once, or remove it. */
export function SecondFactorSettings() {
  const { me, refresh } = useSession();
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const enrol = useMutation({ mutationFn: enrolTotp });
  const confirm = useMutation({
    mutationFn: confirmTotp,
    onSuccess: async (answer) => {
      setRecoveryCodes(answer.recoveryCodes);
      enrol.reset();
      await refresh();
    },
  });
  const remove = useMutation({ mutationFn: removeTotp, onSuccess: refresh });
  if (!me || me.local || me.totp === 'unavailable' || me.totp === undefined) return null;
  return (
    <Paper withBorder p="md" data-testid="second-factor">
      <Title order={2} size="h4" mb="xs">
        Second factor
      </Title>
      {me.totpEnrolmentRequired && (
        <Alert color="yellow" title="Set up a second factor to continue" mb="sm">
          Administrators need a code from an authenticator app to sign in. Set it up here first.
        </Alert>
      )}
      {recoveryCodes && (
        <Alert color="green" title="Recovery codes — shown only now" mb="sm" data-testid="recovery-codes">
          <Text size="sm">Each signs in once instead of a code. Keep them somewhere safe.</Text>
          <List size="sm" mt="xs">
            {recoveryCodes.map((code) => (
              <List.Item key={code}>
                <Code>{code}</Code>
              </List.Item>
            ))}
          </List>
        </Alert>
      )}
      {me.totp === 'active' ? (
        <Stack gap="sm">
          <Text size="sm">Signing in takes a code from your authenticator app after your password.</Text>
          {remove.isError && <ErrorAlert error={remove.error} title="Not removed" />}
          <CodeForm
            label="Current code or a recovery code"
            submit="Remove second factor"
            pending={remove.isPending}
            onSubmit={(code) => remove.mutate(code)}
          />
        </Stack>
      ) : enrol.data ? (
        <Stack gap="sm">
          <Text size="sm">Scan this with your authenticator app, then enter the code it shows.</Text>
          <QrCode text={enrol.data.otpauthUri} />
          <Text size="sm">
            Or type the key: <Code data-testid="totp-secret">{grouped(enrol.data.secret)}</Code>
          </Text>
          <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }} data-testid="otpauth-uri">
            {enrol.data.otpauthUri}
          </Text>
          {confirm.isError && <ErrorAlert error={confirm.error} title="Not set up" />}
          <CodeForm
            label="Code from the app"
            submit="Turn on"
            pending={confirm.isPending}
            onSubmit={(code) => confirm.mutate(code)}
          />
        </Stack>
      ) : (
        <Stack gap="sm" align="start">
          <Text size="sm">
            Add a code from an authenticator app (FreeOTP, Aegis, Google or Microsoft Authenticator …) to your
            password.
          </Text>
          {enrol.isError && <ErrorAlert error={enrol.error} title="Cannot set up" />}
          <Button onClick={() => enrol.mutate()} loading={enrol.isPending}>
            Set up second factor
          </Button>
        </Stack>
      )}
    </Paper>
  );
}
