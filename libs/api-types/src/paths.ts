/**
 * A path the device can resolve without a working directory: `/…` or a drive (`C:/`, `C:\`).
 * Log sources, file transfers and the file browser all take only these.
 */
export const ABSOLUTE_PATH = /^(\/|[A-Za-z]:[\\/])/;
