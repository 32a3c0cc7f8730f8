import {
  encodeFrame,
  MAX_FRAME_BYTES,
  ProtocolError,
  type InventoryBody,
} from '@fleetdesk/protocol';
import { errorMessage, type Logger } from './log';

/** Room left for the envelope (version, type, id, timestamp) around the body. */
const ENVELOPE_SLACK = 256;

/**
 * Encodes an inventory frame, dropping packages from the end of the (sorted) software list
 * until the frame fits MAX_FRAME_BYTES: a build server with every -dev package installed
 * can list more than a megabyte. Returns null only if even an empty list would not fit or
 * the body is invalid, which the caller logs and skips rather than crash over.
 */
export function encodeInventory(body: InventoryBody, log: Logger): string | null {
  const total = body.software.length;
  let software = body.software;
  for (;;) {
    try {
      const frame = encodeFrame('inventory', { ...body, software });
      if (software.length < total) {
        log.warn(
          `inventory: software list trimmed from ${total} to ${software.length} packages to fit the ${MAX_FRAME_BYTES}-byte frame limit`,
        );
      }
      return frame;
    } catch (err) {
      if (!(err instanceof ProtocolError && err.code === 'FRAME_TOO_LARGE') || !software.length) {
        log.error(`inventory not sent: ${errorMessage(err)}`);
        return null;
      }
      software = software.slice(0, fittingCount(body, software));
    }
  }
}

/** Estimates how many packages fit, assuming they average the size of the current list. */
function fittingCount(body: InventoryBody, software: InventoryBody['software']): number {
  const rest = Buffer.byteLength(JSON.stringify({ ...body, software: [] }), 'utf8');
  const listBytes = Buffer.byteLength(JSON.stringify(software), 'utf8');
  const budget = MAX_FRAME_BYTES - ENVELOPE_SLACK - rest;
  if (budget <= 0) return 0;
  const estimate = Math.floor((software.length * budget) / listBytes);
  // Always make progress, even if the estimate is off by a few bytes.
  return Math.max(0, Math.min(estimate, software.length - 1));
}
