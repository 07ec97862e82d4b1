// Lines that fit the terminal. On a terminal a line longer than the window wraps, and a redrawn
// progress line then leaves its cut-off tail behind on every redraw; so status lines drop or shorten
// their fields in a fixed order, and prose wraps between words. In a pipe, a file or CI nothing
// is changed: logs keep whole lines.

/** Columns assumed on a terminal that does not report its size. */
export const DEFAULT_COLUMNS = 80;

/** Whether to draw live progress: a terminal, and not CI. */
export const liveProgress = (stream: NodeJS.WriteStream): boolean => stream.isTTY === true && !process.env.CI;

/**
 * The most characters a line may have on `stream`: one less than its columns on a live terminal
 * (a line of exactly the window's width leaves the cursor in the last column, where erasing to
 * the end of the line, as a redraw does, erases that column's character), unlimited elsewhere.
 */
export function lineWidth(stream: NodeJS.WriteStream): number {
  if (!liveProgress(stream)) return Infinity;
  const columns = stream.columns > 0 ? stream.columns : DEFAULT_COLUMNS;
  return Math.max(1, columns - 1);
}

/**
 * The width for text printed once (dlc check's table) on `stream`: the window's columns on a
 * terminal (80 when it reports none), unlimited in a pipe or a file, where logs keep whole lines.
 * No column is kept free: nothing is redrawn over such text.
 */
export function textWidth(stream: NodeJS.WriteStream): number {
  if (stream.isTTY !== true) return Infinity;
  return stream.columns > 0 ? stream.columns : DEFAULT_COLUMNS;
}

/** One field of a status line, e.g. "accuracy 95.00%", with what may happen to it when space is short. */
export interface Field {
  text: string;
  /** A shorter form, e.g. "acc 95.00%". */
  short?: string;
  /** When to use the short form: fields with lower ranks give way first. */
  shortenRank?: number;
  /** When to drop the field; without one it is never dropped. */
  dropRank?: number;
}

/** The separator between fields. */
const GAP = '  ';

/**
 * Joins the fields with two spaces, shortening and dropping them in rank order (lowest first;
 * at equal ranks, the field further left first) until the line fits `width`. Fields without
 * ranks stay, so a line narrower than its essential fields is returned as short as it gets.
 */
export function fitFields(fields: Field[], width: number): string {
  const texts = fields.map((f) => f.text);
  const kept = fields.map(() => true);
  const line = (): string => texts.filter((_, i) => kept[i]).join(GAP);
  const steps: { rank: number; apply: () => void }[] = [];
  fields.forEach((f, i) => {
    if (f.short !== undefined && f.shortenRank !== undefined) steps.push({ rank: f.shortenRank, apply: () => { texts[i] = f.short!; } });
    if (f.dropRank !== undefined) steps.push({ rank: f.dropRank, apply: () => { kept[i] = false; } });
  });
  steps.sort((a, b) => a.rank - b.rank);
  for (const step of steps) {
    if (line().length <= width) break;
    step.apply();
  }
  return line();
}

/**
 * Wraps each line of `text` to `width`, breaking between fields (two spaces) where it can and
 * between words otherwise, never inside a word; continuation lines are indented by two spaces.
 * A single word longer than the width is left whole.
 */
export function wrapText(text: string, width: number): string {
  if (!Number.isFinite(width)) return text;
  return text.split('\n').map((l) => wrapLine(l, width)).join('\n');
}

/** Continuation rows of a wrapped line start with this, so they read as part of the row above. */
const INDENT = '  ';

function wrapLine(line: string, width: number): string {
  if (line.length <= width) return line;
  // An indented line (a nested row of a block) keeps its indent on every row it wraps to.
  const lead = /^ */.exec(line)![0];
  if (lead !== '') return wrapLine(line.slice(lead.length), Math.max(1, width - lead.length)).split('\n').map((r) => lead + r).join('\n');
  const rows: string[] = [];
  let row = '';
  const put = (piece: string, gap: string): void => {
    if (row !== '' && row.length + gap.length + piece.length <= width) {
      row += gap + piece;
      return;
    }
    if (row !== '') rows.push(row);
    row = (rows.length ? INDENT : '') + piece;
  };
  for (const field of line.split(GAP)) {
    const first = rows.length === 0 && row === '';
    if ((first ? 0 : INDENT.length) + field.length <= width) {
      put(field, GAP);
      continue;
    }
    // Too long for a row of its own: its words, from a fresh row, so a name stays with its value where it can.
    if (row !== '') {
      rows.push(row);
      row = '';
    }
    field.split(' ').forEach((word, i) => put(word, i === 0 ? GAP : ' '));
  }
  rows.push(row);
  return rows.join('\n');
}
