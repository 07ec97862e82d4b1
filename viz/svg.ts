// What every picture dlc draws shares: escaping text for SVG, estimating how wide a text will be
// (layout happens before any font is at hand, in Node as in the page), and axis ticks at 1-2-5 steps.
// Plain functions of plain data: imported by the CLI and by the browser bundle alike.
import { printable } from '../dsl/printable.ts';

/** The font every picture names; the widths below are DejaVu Sans's, the widest common fallback. */
export const FONT_FAMILY = 'DejaVu Sans, Helvetica, Arial, sans-serif';

/**
 * Text for an SVG text node or attribute: made printable (control characters, which XML forbids,
 * become visible escapes; long text is cut) and XML-escaped.
 */
export function svgText(text: string, limit?: number): string {
  return printable(text, limit).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Advance widths in em of DejaVu Sans by character class, each class's widest (from the font's hmtx). */
function charEm(c: string): number {
  if (/[mwMW%@]/.test(c)) return 1;
  if (/[ilj.,:;'|!]/.test(c)) return 0.34;
  if (/[ ()[\]·{}/]/.test(c)) return 0.39;
  if (/[frt-]/.test(c)) return 0.41;
  if (/[0-9a-z_*?~$]/.test(c)) return 0.64;
  if (/[A-LN-VX-Z]/.test(c)) return 0.79;
  if (/[+=<>#×&^]/.test(c)) return 0.84;
  return 1; // anything else (CJK, symbols): the em, an upper bound
}

/**
 * An upper estimate of the width in pixels of `text` set in FONT_FAMILY at `size` px, so boxes
 * sized from it hold the text in whichever of the fonts the viewer has.
 */
export function textWidth(text: string, size: number, bold = false): number {
  let em = 0;
  for (const c of text) em += charEm(c);
  return em * size * (bold ? 1.15 : 1);
}

/** Ticks of an axis: values at a 1, 2 or 5 × 10^k step, covering [lo, hi]. */
export interface Ticks {
  /** The axis range, widened to whole steps. */
  lo: number;
  hi: number;
  step: number;
  values: number[];
}

/**
 * About `count` intervals at a step of 1, 2 or 5 × 10^k covering [lo, hi] (the range widened to
 * whole steps); `minStep` (itself 1, 2 or 5 × 10^k) bounds the step from below: 1 for whole epochs.
 */
export function niceTicks(lo: number, hi: number, count = 5, minStep = 0): Ticks {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return niceTicks(0, 1, count, minStep);
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    // One value: a range around it, so the line sits inside the plot.
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return niceTicks(lo - pad, hi + pad, count, minStep);
  }
  const raw = (hi - lo) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const error = raw / magnitude;
  // The 1-2-5 step nearest the raw one (d3's rule: switch at √2, √10, √50), at least minStep.
  const step = Math.max(minStep, magnitude * (error >= Math.sqrt(50) ? 10 : error >= Math.sqrt(10) ? 5 : error >= Math.SQRT2 ? 2 : 1));
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const values: number[] = [];
  // Multiplying the integer index (not adding steps) keeps 0.1 + 0.2 noise out of the values.
  for (let i = first; i <= last; i++) values.push(roundTo(i * step, step));
  return { lo: values[0]!, hi: values[values.length - 1]!, step, values };
}

/** `v` rounded to the decimals its step needs (0.30000000000000004 → 0.3 for a step of 0.1). */
function roundTo(v: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(v.toFixed(Math.min(decimals, 20)));
}

/**
 * A tick value as a label with no more digits than its step needs: 0.2, 15, 2e-4 (steps below
 * 0.001 in exponent form), 40% for `percent` axes.
 */
export function formatTick(v: number, step: number, percent = false): string {
  if (percent) return `${formatTick(v * 100, step * 100)}%`;
  if (v === 0) return '0';
  if (step < 1e-3 || Math.abs(v) >= 1e6) {
    const exp = Math.floor(Math.log10(Math.abs(v)));
    const stepExp = Math.floor(Math.log10(step));
    const mantissa = v / 10 ** exp;
    const digits = Math.max(0, exp - stepExp);
    return `${Number(mantissa.toFixed(digits))}e${exp}`;
  }
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(decimals);
}
