// What a user sees: a command run in a pseudo-terminal of a given size (util-linux `script`), and
// its output replayed on a minimal VT100 screen that wraps long lines the way xterm does.
import { ROOT, run } from './cli.ts';

/** The screen after `output`: its rows (trailing spaces trimmed) and how many times a line wrapped. */
export interface Screen {
  rows: string[];
  wraps: number;
}

/**
 * Replays terminal output on a screen `columns` wide: printable characters, CR, LF, backspace and
 * CSI K (erase to end of line); other CSI sequences are skipped. Like xterm, a character written in
 * the last column leaves the cursor there with a wrap pending, and the next printable character
 * wraps to a new row (counted in `wraps`); an erase in that state starts at the last column.
 */
export function renderTerminal(output: string, columns: number): Screen {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  let pending = false;
  let wraps = 0;
  const chars = [...output];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '\r') { col = 0; pending = false; continue; }
    if (ch === '\n') { row++; pending = false; rows[row] ??= []; continue; }
    if (ch === '\b') { col = Math.max(0, col - 1); pending = false; continue; }
    if (ch === '\x1b' && chars[i + 1] === '[') {
      let j = i + 2;
      while (j < chars.length && /[0-9;?]/.test(chars[j]!)) j++;
      if (chars[j] === 'K') rows[row]!.length = Math.min(rows[row]!.length, col);
      i = j;
      continue;
    }
    if (ch < ' ' || ch === '\x7f') continue;
    if (pending) {
      wraps++;
      row++;
      col = 0;
      pending = false;
      rows[row] ??= [];
    }
    const line = rows[row]!;
    while (line.length < col) line.push(' ');
    line[col] = ch;
    if (col === columns - 1) pending = true;
    else col++;
  }
  return { rows: rows.map((r) => r.join('').trimEnd()), wraps };
}

/**
 * Runs `dlc args` in a pseudo-terminal of `columns` × 50 (util-linux `script`, stdin and stdout a
 * TTY, CI unset so progress is live) and returns the raw bytes it wrote to stdout and stderr, as
 * the user sees them (nothing removed: dlc itself drops Dawn's limit notes). It runs bin/dlc.js
 * itself, as a user of the source checkout does (other tests run the bundle, test/helpers/cli.ts).
 */
export async function dlcInTerminal(args: string[], columns: number, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = `stty cols ${columns} rows 50 && exec ${[process.execPath, 'bin/dlc.js', ...args].map(quote).join(' ')}`;
  // CI unset so progress is live; asynchronous so the test worker keeps answering vitest meanwhile.
  const r = await run('script', ['-qefc', command, '/dev/null'], { cwd: ROOT, env: { ...env, CI: '' }, timeoutMs: 180_000 });
  return { code: r.code, output: r.stdout };
}
