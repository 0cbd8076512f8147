/**
 * How the command line shows times and durations: for people, a UTC date next to the Unix
 * seconds; in `--json`, one shape for every point in time and one for every duration.
 */

/** A point in time in `--json` output. */
export interface JsonTime {
  /** Unix seconds, as a decimal string. */
  readonly unix: string;
  /** The same instant, ISO 8601 in UTC. */
  readonly iso: string;
}

/** Largest Unix second a JavaScript Date can show (year 275760). */
const MAX_DATE_SECONDS = 8_640_000_000_000n;

function iso(unix: bigint): string {
  if (unix < 0n || unix > MAX_DATE_SECONDS) return "never";
  return new Date(Number(unix) * 1000).toISOString().replace(".000Z", "Z");
}

/** `2026-11-29T17:00:00Z (1764435600)`. */
export function formatTime(unix: bigint | number): string {
  const s = BigInt(unix);
  return `${iso(s)} (${s})`;
}

/** The `--json` shape of a point in time. */
export function jsonTime(unix: bigint | number): JsonTime {
  const s = BigInt(unix);
  return { unix: s.toString(), iso: iso(s) };
}

/** `86400 s (1 d)`, `90 s (1 min 30 s)`. */
export function formatDuration(seconds: bigint | number): string {
  const total = BigInt(seconds);
  if (total < 60n) return `${total} s`;
  const parts: string[] = [];
  let rest = total;
  for (const [unit, size] of [
    ["d", 86_400n],
    ["h", 3_600n],
    ["min", 60n],
    ["s", 1n],
  ] as const) {
    if (rest >= size) {
      parts.push(`${rest / size} ${unit}`);
      rest %= size;
    }
  }
  return `${total} s (${parts.join(" ")})`;
}
