import { Button, Group, Select, Stack, TagsInput, Text } from '@mantine/core';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { FREQUENCIES, type Frequency, type Schedule, timeZones, WEEKDAYS, weekdayName } from '../api/digests';

const INHERIT = '';

/**
 * Edits a digest schedule field by field; "inherit" leaves a field out, so it comes from the domain
 * default, then the global default. `domainsFrom` lets administrators choose the domains of their copy.
 */
export function ScheduleForm({
  value,
  inheritLabel,
  domainsFrom,
  saving,
  onSave,
  onReset,
  resetLabel,
  name,
}: {
  value: Schedule;
  inheritLabel: string;
  /** Administrators: the domains they may pick (null: any domain may be typed). Undefined: no domain field. */
  domainsFrom?: string[] | null;
  saving: boolean;
  onSave: (schedule: Schedule) => void;
  onReset?: () => void;
  resetLabel?: string;
  /** Distinguishes the fields of several forms on one page. */
  name: string;
}) {
  const { t } = useTranslation();
  const [frequency, setFrequency] = useState<string>(value.frequency ?? INHERIT);
  const [hour, setHour] = useState<string>(value.hour === undefined ? INHERIT : String(value.hour));
  const [weekday, setWeekday] = useState<string>(
    value.weekday === undefined ? INHERIT : String(value.weekday),
  );
  const [timeZone, setTimeZone] = useState<string>(value.timeZone ?? INHERIT);
  const [domains, setDomains] = useState<string[]>(value.domains ?? []);
  const zones = useMemo(timeZones, []);
  const inherit = { value: INHERIT, label: inheritLabel };
  const submit = () => {
    const schedule: Schedule = {};
    if (frequency !== INHERIT) schedule.frequency = frequency as Frequency;
    if (hour !== INHERIT) schedule.hour = Number(hour);
    if (weekday !== INHERIT) schedule.weekday = Number(weekday);
    if (timeZone !== INHERIT) schedule.timeZone = timeZone;
    if (domainsFrom !== undefined && domains.length > 0) schedule.domains = domains;
    onSave(schedule);
  };
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
      aria-label={t('schedule.formLabel', { name })}
    >
      <Stack gap="sm" maw={460}>
        <Select
          label={t('schedule.howOften')}
          allowDeselect={false}
          data={[
            inherit,
            ...FREQUENCIES.map((each) => ({ value: each, label: t(`schedule.frequency.${each}`) })),
          ]}
          value={frequency}
          onChange={(next) => setFrequency(next ?? INHERIT)}
        />
        <Group grow>
          <Select
            label={t('schedule.atHour')}
            description={t('schedule.atHourHint')}
            allowDeselect={false}
            data={[
              inherit,
              ...Array.from({ length: 24 }, (_, each) => ({
                value: String(each),
                label: `${String(each).padStart(2, '0')}:00`,
              })),
            ]}
            value={hour}
            onChange={(next) => setHour(next ?? INHERIT)}
          />
          <Select
            label={t('schedule.on')}
            description={t('schedule.onHint')}
            allowDeselect={false}
            data={[inherit, ...WEEKDAYS.map((day) => ({ value: String(day), label: weekdayName(day) }))]}
            value={weekday}
            onChange={(next) => setWeekday(next ?? INHERIT)}
          />
        </Group>
        <Select
          label={t('schedule.timeZone')}
          searchable
          allowDeselect={false}
          data={[inherit, ...zones.map((zone) => ({ value: zone, label: zone }))]}
          value={timeZone}
          onChange={(next) => setTimeZone(next ?? INHERIT)}
        />
        {domainsFrom !== undefined && (
          <TagsInput
            label={t('schedule.copiesFor')}
            description={domainsFrom === null ? t('schedule.copiesForAny') : t('schedule.copiesForManaged')}
            data={domainsFrom ?? []}
            value={domains}
            onChange={setDomains}
            acceptValueOnBlur
          />
        )}
        <Group>
          <Button type="submit" loading={saving}>
            {t('common.save')}
          </Button>
          {onReset && (
            <Button variant="subtle" onClick={onReset} disabled={saving}>
              {resetLabel ?? t('schedule.inheritEverything')}
            </Button>
          )}
        </Group>
        <Text size="xs" c="dimmed">
          {t('schedule.inheritHint', { label: inheritLabel })}
        </Text>
      </Stack>
    </form>
  );
}
