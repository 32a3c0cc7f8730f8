import { NumberInput } from '@mantine/core';
import { JOB_LIMITS } from '@fleetdesk/api-types';
import { optionalNumber } from '../../components/forms';

const { maxConcurrency: CONCURRENCY, failureThresholdPercent: THRESHOLD } = JOB_LIMITS;
const MAX_OFFLINE_MINUTES = JOB_LIMITS.offlineExpirySeconds.max / 60;

/** The rollout controls every job form has (a script run, an agent update), as typed. */
export interface RolloutDraft {
  concurrency: number | string;
  threshold: number | string;
  offlineMinutes: number | string;
}

export const initialRollout = (over: Partial<RolloutDraft> = {}): RolloutDraft => ({
  concurrency: '',
  threshold: '',
  offlineMinutes: JOB_LIMITS.offlineExpirySeconds.default / 60,
  ...over,
});

/** Empty, or a whole number in [min, max]. */
export const wholeOrEmpty = (v: number | string, min: number, max: number) =>
  v === '' || (Number.isInteger(Number(v)) && Number(v) >= min && Number(v) <= max);

export function rolloutProblems(r: RolloutDraft): Partial<Record<keyof RolloutDraft, string>> {
  const out: Partial<Record<keyof RolloutDraft, string>> = {};
  if (!wholeOrEmpty(r.concurrency, CONCURRENCY.min, CONCURRENCY.max))
    out.concurrency = `A whole number from ${CONCURRENCY.min} to ${CONCURRENCY.max}`;
  if (!wholeOrEmpty(r.threshold, THRESHOLD.min, THRESHOLD.max))
    out.threshold = `A percentage from ${THRESHOLD.min} to ${THRESHOLD.max}`;
  if (r.offlineMinutes === '' || !wholeOrEmpty(r.offlineMinutes, 0, MAX_OFFLINE_MINUTES))
    out.offlineMinutes = `Minutes, 0 to ${MAX_OFFLINE_MINUTES}`;
  return out;
}

/** The request fields of a valid draft (see `rolloutProblems`). */
export const rolloutRequest = (r: RolloutDraft) => ({
  maxConcurrency: optionalNumber(r.concurrency),
  failureThresholdPercent: optionalNumber(r.threshold),
  offlineExpirySeconds: Number(r.offlineMinutes) * 60,
});

/** The three inputs, for the caller's grid; `noun` names what the job's runs do ("runs"). */
export function RolloutFields({
  value,
  onChange,
  errors,
  noun,
}: {
  value: RolloutDraft;
  onChange: (update: (r: RolloutDraft) => RolloutDraft) => void;
  errors: Partial<Record<keyof RolloutDraft, string>>;
  noun: string;
}) {
  const Noun = noun.charAt(0).toUpperCase() + noun.slice(1);
  return (
    <>
      <NumberInput
        label="Max devices at once"
        description="Concurrency limit; empty for no limit"
        placeholder="No limit"
        min={CONCURRENCY.min}
        allowDecimal={false}
        value={value.concurrency}
        onChange={(v) => onChange((r) => ({ ...r, concurrency: v }))}
        error={errors.concurrency}
      />
      <NumberInput
        label="Stop when failures exceed (%)"
        description={`Cancels the pending ${noun} once more than this share of finished ${noun} failed`}
        placeholder="Never stop"
        min={THRESHOLD.min}
        max={THRESHOLD.max}
        allowDecimal={false}
        suffix=" %"
        value={value.threshold}
        onChange={(v) => onChange((r) => ({ ...r, threshold: v }))}
        error={errors.threshold}
      />
      <NumberInput
        label="Wait for offline devices (minutes)"
        description={`${Noun} for devices still offline after this expire`}
        min={0}
        max={MAX_OFFLINE_MINUTES}
        allowDecimal={false}
        value={value.offlineMinutes}
        onChange={(v) => onChange((r) => ({ ...r, offlineMinutes: v }))}
        error={errors.offlineMinutes}
      />
    </>
  );
}
