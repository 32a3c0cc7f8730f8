/** Bounds of every paged list (`page`, `pageSize`): the server enforces them, the console offers them. */
export const PAGE_SIZE_DEFAULT = 50;
export const PAGE_SIZE_MAX = 200;
/** The page sizes the console offers, each within the bounds above. */
export const PAGE_SIZE_CHOICES = [25, PAGE_SIZE_DEFAULT, 100, PAGE_SIZE_MAX] as const;

/** An audit `action` filter: an exact action, or a prefix ending in `.*` (e.g. `users.*`). */
export const AUDIT_ACTION_PATTERN = /^[a-z_]+(\.[a-z_]+)*(\.\*)?$/;
