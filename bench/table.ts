/** Plain-text tables for the bench's report (pure). */

/** Display width of a cell: code points (the report uses only single-width symbols). */
export function cellWidth(text: string): number {
  return [...text].length;
}

/**
 * Lays out `rows` under `header` in left-aligned columns separated by two
 * spaces, with a rule under the header. Short rows are padded with empty
 * cells; trailing spaces are trimmed from every line.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const columns = Math.max(header.length, ...rows.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(cellWidth(header[i] ?? ''), ...rows.map((row) => cellWidth(row[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    widths
      .map((width, i) => {
        const cell = cells[i] ?? '';
        return cell + ' '.repeat(width - cellWidth(cell));
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '─'.repeat(width)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** A number with a fixed count of decimals, or `—` when it is not a finite number. */
export function formatNumber(value: number, decimals = 1): string {
  return Number.isFinite(value) ? value.toFixed(decimals) : '—';
}

/** `value unit`, or `—` when the value is missing. */
export function withUnit(value: number, unit: string, decimals = 1): string {
  return Number.isFinite(value) ? `${formatNumber(value, decimals)} ${unit}` : '—';
}
