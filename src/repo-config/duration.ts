/**
 * Durations as the config writes them: a whole number and one unit, `90s`, `20m`,
 * `2h`, `1d`. One unit only (`1h30m` is written `90m`), so the text reads the same
 * everywhere it is shown.
 */

/** The syntax of a duration: digits (at most 6) followed by `s`, `m`, `h` or `d`. */
export const DURATION_PATTERN = /^[0-9]{1,6}[smhd]$/;

/** The longest duration accepted anywhere in the config. */
export const MAX_DURATION_MS = 365 * 24 * 60 * 60 * 1000;

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60 * 1000,
  h: 60 * 60 * 1000,
  d: 24 * 60 * 60 * 1000,
};

/**
 * Checks a duration as written in the config. Returns `undefined` when it is valid,
 * otherwise a message that says what was expected.
 *
 * @param options.allowZero whether `0s` is acceptable (a wait may be zero, a timeout may not)
 */
export function checkDuration(text: string, options: { allowZero?: boolean } = {}): string | undefined {
  if (!DURATION_PATTERN.test(text)) {
    const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    return `expected a duration like 90s, 20m, 2h or 1d (a whole number and one unit: s, m, h or d), got "${shown}"`;
  }
  const ms = parseDuration(text);
  if (ms === 0 && options.allowZero !== true) return `expected a duration greater than zero, got "${text}"`;
  if (ms > MAX_DURATION_MS) return `expected a duration of at most 365d, got "${text}"`;
  return undefined;
}

/**
 * Converts a duration (`90s`, `20m`, `2h`, `1d`) to milliseconds. Throws an `Error`
 * for text that is not a duration; configs that passed validation never do.
 */
export function parseDuration(text: string): number {
  if (!DURATION_PATTERN.test(text)) {
    throw new Error(`invalid duration "${text}": expected a whole number and one unit (s, m, h or d), e.g. 90s, 20m, 2h, 1d`);
  }
  const unit = text.slice(-1);
  const amount = Number(text.slice(0, -1));
  return amount * (UNIT_MS[unit] ?? 0);
}
