/** Bounds of every paged list (`page`, `pageSize`): the server enforces them, the console offers them. */
export const PAGE_SIZE_DEFAULT = 50;
export const PAGE_SIZE_MAX = 200;
