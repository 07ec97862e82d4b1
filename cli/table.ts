// A plain-text table (dlc check's layer summary) that fits a width: when its natural widths are too
// wide, the columns that may give way do, in rank order, down to their minimum: a 'wrap' column
// breaks its cells between list items (", ") and words onto continuation lines, an 'ellipsis' column
// cuts them with "…". Continuation lines leave the other cells blank, so a row still reads as one.

/** One column of a table. */
export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** How the column gives way when the table is too wide; without it the column keeps its width. */
  shrink?: { mode: 'wrap' | 'ellipsis'; min: number; rank: number };
}

/** The separator between columns. */
const GAP = '  ';

/** `text` cut to `width` characters, its last one "…" when anything was cut. */
export const ellipsize = (text: string, width: number): string => (text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`);

/**
 * `text` as lines of at most `width`: broken after the commas of a list ("relu_1, add_1") where it
 * can, else between words; a single word longer than the width is cut with "…".
 */
export function wrapCell(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const lines: string[] = [];
  let line = '';
  const put = (piece: string, gap: string): void => {
    if (line !== '' && line.length + gap.length + piece.length <= width) line += gap + piece;
    else {
      if (line !== '') lines.push(line);
      line = ellipsize(piece, width);
    }
  };
  const items = text.split(', ');
  items.forEach((item, i) => {
    const piece = i < items.length - 1 ? `${item},` : item;
    if (piece.length <= width) put(piece, ' ');
    else piece.split(' ').forEach((word) => put(word, ' '));
  });
  lines.push(line);
  return lines;
}

/** A table as text: the header's lines, the rows' lines (trailing spaces trimmed), and its width. */
export interface TableText {
  header: string[];
  rows: string[];
  width: number;
}

/** The longest piece `wrapCell` keeps whole: a list item with its comma, or a word of a longer one. */
const longestPiece = (text: string): number => Math.max(0, ...text.split(', ').map((item, i, all) => (i < all.length - 1 ? `${item},` : item)).flatMap((p) => [p, ...p.split(' ')]).map((p) => (p.includes(' ') ? 0 : p.length)));

/**
 * The table fitted to `width` as far as the columns' minimums allow; with room enough, every cell
 * (and header) is whole on one line. Columns give way in rank order, first only by wrapping
 * between whole items and words, then, if that is not enough, by cutting with "…".
 */
export function formatTable(columns: Column[], rows: string[][], width: number): TableText {
  const headers = columns.map((c) => c.header);
  const all = [headers, ...rows];
  const w = columns.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const total = (): number => w.reduce((a, b) => a + b, 0) + GAP.length * (w.length - 1);
  const order = columns.map((c, i) => ({ i, shrink: c.shrink! })).filter((c) => c.shrink).sort((a, b) => a.shrink.rank - b.shrink.rank);
  const shrinkTo = (i: number, floor: number): void => {
    if (total() > width) w[i] = Math.min(w[i]!, Math.max(floor, w[i]! - (total() - width)));
  };
  for (const { i, shrink } of order) if (shrink.mode === 'wrap') shrinkTo(i, Math.max(shrink.min, ...all.map((r) => longestPiece(r[i]!))));
  for (const { i, shrink } of order) shrinkTo(i, shrink.min);
  const render = (r: string[]): string[] => {
    const cells = r.map((cell, i) => {
      const mode = columns[i]!.shrink?.mode;
      return cell.length <= w[i]! || !mode ? [cell] : mode === 'wrap' ? wrapCell(cell, w[i]!) : [ellipsize(cell, w[i]!)];
    });
    const n = Math.max(...cells.map((c) => c.length));
    return Array.from({ length: n }, (_, k) => cells.map((c, i) => {
      const text = c[k] ?? '';
      return columns[i]!.align === 'right' ? text.padStart(w[i]!) : text.padEnd(w[i]!);
    }).join(GAP).trimEnd());
  };
  return { header: render(headers), rows: rows.flatMap(render), width: total() };
}
