// CSV for spreadsheets: UTF-8 with a byte-order mark (Excel then reads it as UTF-8), CRLF lines,
// every cell quoted, and cells that a spreadsheet would run as a formula made inert with a leading '.

const BOM = '\uFEFF';

/** A cell starting with = + - @ (or a tab or carriage return) would be read as a formula. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null | undefined>>): string {
  return BOM + [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
