/**
 * A runtime list of every member of a string union declared here, for the server's
 * validators and OpenAPI doc and the console's pickers. Fails to compile when the list misses a member (the error
 * names it under `missing`) or holds one the union lacks, so the two cannot drift apart.
 *
 * @example export const ROLES = exhaustiveList<Role>()(['viewer', 'technician', 'admin']);
 */
export function exhaustiveList<T extends string>() {
  return <const L extends readonly T[]>(
    values: L &
      ([Exclude<T, L[number]>] extends [never] ? unknown : { missing: Exclude<T, L[number]> }),
  ): L => values;
}
