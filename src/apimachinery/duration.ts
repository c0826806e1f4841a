/**
 * Durations in milliseconds: Go's time.ParseDuration syntax, and the human-readable forms
 * of k8s.io/apimachinery/pkg/util/duration as the AGE and similar table columns print them.
 * The printing truncates toward zero the way Go's integer conversions of time.Duration do,
 * so boundaries land where kubectl's land. Up to a second in the future counts as now, to
 * tolerate clock skew.
 */

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const GO_DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign
  μs: 1e-3, // U+03BC Greek mu
  ms: 1,
  s: SECOND,
  m: MINUTE,
  h: HOUR,
};

/** One `<number><unit>` group: digits, an optional fraction, then the unit up to the next digit. */
const DURATION_GROUP = /(\d*)(?:\.(\d*))?([^\d.]*)/y;

/**
 * Go's time.ParseDuration (`1h30m`, `-1.5s`, `300ms`, `.5us`, `0`) in milliseconds, fractional
 * below a millisecond, or undefined when `text` is not a duration (`30`, `1d`, ``, `1h `).
 * `extraUnits` adds units Go lacks, in milliseconds, such as `{ d: DAY }`. Go's int64
 * nanosecond range (about 290 years) is not enforced.
 */
export function parseGoDuration(
  text: string,
  extraUnits?: Readonly<Record<string, number>>,
): number | undefined {
  let s = text;
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  let at = 0;
  while (at < s.length) {
    DURATION_GROUP.lastIndex = at;
    const m = DURATION_GROUP.exec(s);
    const int = m?.[1] ?? '';
    const frac = m?.[2] ?? '';
    const unit = m?.[3] ?? '';
    if (!m || (int === '' && frac === '') || unit === '') return undefined;
    const ms = Object.hasOwn(GO_DURATION_UNITS, unit)
      ? GO_DURATION_UNITS[unit]
      : extraUnits && Object.hasOwn(extraUnits, unit)
        ? extraUnits[unit]
        : undefined;
    if (ms === undefined) return undefined;
    total += Number(`${int || '0'}.${frac || '0'}`) * ms;
    at = DURATION_GROUP.lastIndex;
  }
  return total === 0 ? 0 : sign * total;
}

/** Whole units in `ms`, truncated toward zero like Go's int(d / unit). */
const whole = (ms: number, unit: number): number => Math.trunc(ms / unit);

/** A duration with ~2-3 significant figures: `90s`, `5m3s`, `2h10m`, `3d4h`, `2y10d`. */
export function humanDuration(ms: number): string {
  const seconds = whole(ms, SECOND);
  if (Number.isNaN(seconds) || seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;

  const minutes = whole(ms, MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;

  const hours = whole(ms, HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/** A duration in one unit: `59s`, `59m`, `23h`, `364d`, `1y`. */
export function shortHumanDuration(ms: number): string {
  const seconds = whole(ms, SECOND);
  if (Number.isNaN(seconds) || seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60) return `${seconds}s`;
  const minutes = whole(ms, MINUTE);
  if (minutes < 60) return `${minutes}m`;
  const hours = whole(ms, HOUR);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(ms / HOUR / 24 / 365)}y`;
}
