import { hash, type KeyObject } from 'node:crypto';
import {
  actionRunSigningPayload,
  cancelSigningPayload,
  runSigningPayload,
  verifyPayload,
  verifyRunSignature,
  type CancelBody,
  type RejectReason,
  type RunActionBody,
  type RunBody,
  type VerifiedBatches,
} from '@fleetdesk/protocol';

/**
 * The checks a `run` or `cancel` must pass before the agent acts on it. Shared by the real
 * agent and `simulate`, so virtual agents refuse exactly what real ones refuse.
 */
export interface CheckContext {
  deviceId: string;
  /** Pinned at enrollment. */
  serverPublicKey: KeyObject;
  /** Batch signatures of that key already verified, shared by agents of one process (simulate). */
  verifiedBatches?: VerifiedBatches;
}

export interface Rejection {
  reason: RejectReason;
  message: string;
}

export const sha256Hex = (text: string): string => hash('sha256', text, 'hex');

/**
 * Signature, target device, script hash and spec sanity; null when the run may go ahead.
 * Duplicates and expiry are the caller's part: only it knows the journal, and a queued run
 * is checked for expiry again when it starts.
 */
export function checkRun(body: RunBody, ctx: CheckContext): Rejection | null {
  const { spec } = body;
  let payload: Buffer;
  try {
    payload = runSigningPayload(spec);
  } catch {
    return { reason: 'invalid', message: 'the run has a text field that is not valid Unicode' };
  }
  if (!verifyRunSignature(ctx.serverPublicKey, body, payload, ctx.verifiedBatches)) {
    return {
      reason: 'bad_signature',
      message: 'the run is not signed by the server key this device pinned at enrollment',
    };
  }
  if (spec.deviceId !== ctx.deviceId) {
    return {
      reason: 'wrong_device',
      message: `the run is for device ${spec.deviceId}; this is device ${ctx.deviceId}`,
    };
  }
  if (sha256Hex(spec.script) !== spec.scriptSha256) {
    return { reason: 'bad_hash', message: 'the script does not match its scriptSha256' };
  }
  const names = new Set<string>();
  for (const { name } of spec.env) {
    if (names.has(name)) {
      return { reason: 'invalid', message: `the environment variable ${name} is given twice` };
    }
    names.add(name);
  }
  return null;
}

/** Signature and target device of an action run; null when it may go ahead. */
export function checkActionRun(body: RunActionBody, ctx: CheckContext): Rejection | null {
  const { spec } = body;
  let payload: Buffer;
  try {
    payload = actionRunSigningPayload(spec);
  } catch {
    return { reason: 'invalid', message: 'the action has a text field that is not valid Unicode' };
  }
  if (!verifyPayload(ctx.serverPublicKey, payload, body.signature)) {
    return {
      reason: 'bad_signature',
      message: 'the action is not signed by the server key this device pinned at enrollment',
    };
  }
  if (spec.deviceId !== ctx.deviceId) {
    return {
      reason: 'wrong_device',
      message: `the action is for device ${spec.deviceId}; this is device ${ctx.deviceId}`,
    };
  }
  return null;
}

export function checkExpiry(spec: { expiresAt: number }, now: number): Rejection | null {
  if (now < spec.expiresAt) return null;
  return {
    reason: 'expired',
    message: `the run expired at ${new Date(spec.expiresAt).toISOString()}; this device's clock says ${new Date(now).toISOString()}`,
  };
}

/** Why a cancel must be ignored, or null when it is genuine and meant for this device. */
export function checkCancel(body: CancelBody, ctx: CheckContext): string | null {
  if (
    !verifyPayload(
      ctx.serverPublicKey,
      cancelSigningPayload(body.runId, body.deviceId),
      body.signature,
    )
  ) {
    return 'it is not signed by the pinned server key';
  }
  if (body.deviceId !== ctx.deviceId) return `it is for device ${body.deviceId}`;
  return null;
}
