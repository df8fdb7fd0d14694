import { Alert, Button, Code, Group, List, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import qrcode from 'qrcode-generator';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { confirmTotp, enrolTotp, removeTotp } from '../api/endpoints';
import { ErrorAlert } from './error-alert';
import { useSession } from './session';

/** A QR code of the otpauth:// URI, as an image an authenticator app scans from the screen. */
function QrCode({ text }: { text: string }) {
  const { t } = useTranslation();
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  return (
    <img
      src={qr.createDataURL(5, 4)}
      alt={t('totp.qrAlt')}
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
  const { t } = useTranslation();
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
        {t('totp.title')}
      </Title>
      {me.totpEnrolmentRequired && (
        <Alert color="yellow" title={t('totp.requiredTitle')} mb="sm">
          {t('totp.requiredText')}
        </Alert>
      )}
      {recoveryCodes && (
        <Alert color="green" title={t('totp.recoveryTitle')} mb="sm" data-testid="recovery-codes">
          <Text size="sm">{t('totp.recoveryText')}</Text>
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
          <Text size="sm">{t('totp.activeText')}</Text>
          {remove.isError && <ErrorAlert error={remove.error} title={t('totp.notRemoved')} />}
          <CodeForm
            label={t('totp.currentOrRecovery')}
            submit={t('totp.remove')}
            pending={remove.isPending}
            onSubmit={(code) => remove.mutate(code)}
          />
        </Stack>
      ) : enrol.data ? (
        <Stack gap="sm">
          <Text size="sm">{t('totp.scan')}</Text>
          <QrCode text={enrol.data.otpauthUri} />
          <Text size="sm">
            {t('totp.orTypeKey')} <Code data-testid="totp-secret">{grouped(enrol.data.secret)}</Code>
          </Text>
          <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }} data-testid="otpauth-uri">
            {enrol.data.otpauthUri}
          </Text>
          {confirm.isError && <ErrorAlert error={confirm.error} title={t('totp.notSetUp')} />}
          <CodeForm
            label={t('totp.codeFromApp')}
            submit={t('totp.turnOn')}
            pending={confirm.isPending}
            onSubmit={(code) => confirm.mutate(code)}
          />
        </Stack>
      ) : (
        <Stack gap="sm" align="start">
          <Text size="sm">{t('totp.intro')}</Text>
          {enrol.isError && <ErrorAlert error={enrol.error} title={t('totp.cannotSetUp')} />}
          <Button onClick={() => enrol.mutate()} loading={enrol.isPending}>
            {t('totp.setUp')}
          </Button>
        </Stack>
      )}
    </Paper>
  );
}
