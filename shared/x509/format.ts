/** A date as messages show it: ISO 8601 to the second, UTC. */
export function formatDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
