/** Process exit codes; the systemd unit keys RestartPreventExitStatus on USAGE and REVOKED. */
export const ExitCode = {
  OK: 0,
  /** Something failed at run time: server refused enrollment, network, install error. */
  FAILURE: 1,
  /** Bad command line, or state that a restart cannot fix (not enrolled, corrupt state). */
  USAGE: 2,
  /** The device was revoked by a technician; restarting would only be refused again. */
  REVOKED: 3,
  /**
   * A self-update put a new version in place: the service manager should start it. Non-zero,
   * so managers that restart only after a failure (launchd's SuccessfulExit=false, Windows
   * service recovery actions) restart it too; systemd's Restart=always does anyway.
   */
  UPDATED: 4,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
