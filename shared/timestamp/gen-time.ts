/**
 * TSTInfo.genTime as RFC 3161 §2.4.2 writes it: GeneralizedTime in UTC
 * ("YYYYMMDDhhmmss[.s…]Z"). Read from the text itself, because a time without
 * "Z" would otherwise be taken as the verifier's local time.
 */
const pattern = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z$/;

/** The instant, to the millisecond (finer digits are dropped), or undefined when the text is not such a time. */
export function parseGenTime(text: string): Date | undefined {
  const match = pattern.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const millis = Number((match[7] ?? '').padEnd(3, '0').slice(0, 3));
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis));
  // Date.UTC rolls 31 February over into March: refuse what does not round-trip.
  const roundTrips =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day && date.getUTCHours() === hour && date.getUTCMinutes() === minute && date.getUTCSeconds() === second;
  return roundTrips ? date : undefined;
}
