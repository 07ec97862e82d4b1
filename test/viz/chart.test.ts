// The training-curves chart of history.svg and the demo page: ticks at 1-2-5 steps with labels no
// longer than their step needs, axis titles, legends outside every plot area, validation curves,
// and the learning rate in its own panel when a schedule changes it. Read back from the SVG text.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { historySvg, type HistoryRow } from '../../cli/history.ts';
import { formatTick, niceTicks } from '../../viz/svg.ts';
import { ROOT } from '../helpers/cli.ts';
import { overlap, type Rect } from '../helpers/svg-geometry.ts';

describe('axis ticks', () => {
  it('step 1, 2 or 5 × 10^k, the range widened to whole steps, values without float noise', () => {
    // 0.276 and 0.552 were history.svg's loss ticks (a fifth of the maximum).
    expect(niceTicks(0, 0.552, 5)).toEqual({ lo: 0, hi: 0.6, step: 0.1, values: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6] });
    expect(niceTicks(0.903, 0.987, 4).values).toEqual([0.9, 0.92, 0.94, 0.96, 0.98, 1]);
    expect(niceTicks(1, 20, 6, 1).values).toEqual([0, 5, 10, 15, 20]);
    expect(niceTicks(1, 3, 10, 1).step).toBe(1); // whole epochs: no 1.5
    expect(niceTicks(0, 1e-3, 4).values).toEqual([0, 2e-4, 4e-4, 6e-4, 8e-4, 1e-3]);
    expect(niceTicks(2, 2, 5).values).toEqual([1.8, 1.9, 2, 2.1, 2.2]); // one value: a range around it
    for (const [lo, hi] of [[0, 2.302], [0.0123, 0.0456], [3, 1234], [-0.7, 0.2]] as const) {
      const t = niceTicks(lo, hi, 5);
      const m = t.step / 10 ** Math.floor(Math.log10(t.step));
      expect([1, 2, 5]).toContain(Math.round(m * 1e9) / 1e9);
      expect(t.lo).toBeLessThanOrEqual(lo);
      expect(t.hi).toBeGreaterThanOrEqual(hi);
    }
  });
  it('labels: the digits the step needs, exponents for small steps, percentages', () => {
    expect([0, 0.1, 0.2, 0.3].map((v) => formatTick(v, 0.1))).toEqual(['0', '0.1', '0.2', '0.3']);
    expect([0, 0.05, 0.1].map((v) => formatTick(v, 0.05))).toEqual(['0', '0.05', '0.10']);
    expect([0, 2e-4, 1e-3].map((v) => formatTick(v, 2e-4))).toEqual(['0', '2e-4', '1e-3']);
    expect([0.9, 0.95, 1].map((v) => formatTick(v, 0.05, true))).toEqual(['90%', '95%', '100%']);
    expect(formatTick(15, 5)).toBe('15');
  });
});

/** History rows like a 12-epoch run with validation; `lr(i)` gives epoch i's rate. */
const rows = (lr: (i: number) => number, n = 12): HistoryRow[] => Array.from({ length: n }, (_, i) => ({
  epoch: i + 1, loss: 0.3 * Math.exp(-i / 4) + 0.05, accuracy: 0.91 + 0.08 * (1 - Math.exp(-i / 3)),
  val_loss: 0.33 * Math.exp(-i / 5) + 0.07, val_accuracy: 0.9 + 0.075 * (1 - Math.exp(-i / 3)), lr: lr(i), seconds: 1,
}));

const boxes = (svg: string, cls: string): Rect[] => [...svg.matchAll(new RegExp(`<rect class="${cls}" x="([-\\d.]+)" y="([-\\d.]+)" width="([\\d.]+)" height="([\\d.]+)"`, 'g'))]
  .map((m) => ({ x: Number(m[1]), y: Number(m[2]), width: Number(m[3]), height: Number(m[4]) }));
const texts = (svg: string, cls: string): string[] => [...svg.matchAll(new RegExp(`<text class="${cls}"[^>]*>([^<]*)</text>`, 'g'))].map((m) => m[1]!);

describe('history.svg', () => {
  it('loss and accuracy panels with titled axes, 1-2-5 ticks, train and validation curves, legends outside the plots', () => {
    const svg = historySvg(rows(() => 1e-3), 'mnist_mlp: adam, batch 128');
    const plots = boxes(svg, 'plot');
    expect(plots).toHaveLength(2); // loss, accuracy; a constant rate gets no panel...
    expect(texts(svg, 'note')).toEqual(['learning rate 0.001 throughout']); // ...but a note
    // One epoch cannot show that the rate held (a cosine schedule moves it within the epoch).
    expect(texts(historySvg(rows(() => 4.815e-6, 1), 'one epoch'), 'note')).toEqual(['learning rate 0.000004815 at the end']);
    expect(texts(svg, 'axis-title')).toEqual(['loss', 'accuracy', 'epoch']);
    expect([...svg.matchAll(/data-series="([^"]+)"/g)].map((m) => m[1])).toEqual(['train', 'validation', 'train', 'validation']);
    // Every legend entry (line and text) lies right of every plot area.
    const legends = [...svg.matchAll(/<g class="legend-item"><line x1="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(legends).toHaveLength(4);
    for (const x of legends) for (const p of plots) expect(x).toBeGreaterThan(p.x + p.width);
    const ticks = texts(svg, 'tick');
    expect(ticks).toEqual(['0', '0.1', '0.2', '0.3', '0.4', '90%', '92%', '94%', '96%', '98%', '100%', '0', '2', '4', '6', '8', '10', '12']);
  });

  it('a schedule that changes the rate gets a learning-rate panel of its own, below the others', () => {
    const svg = historySvg(rows((i) => 1e-3 * 0.5 * (1 + Math.cos((Math.PI * i) / 12))), 'cosine');
    const plots = boxes(svg, 'plot');
    expect(plots).toHaveLength(3);
    expect(texts(svg, 'axis-title')).toEqual(['loss', 'accuracy', 'learning rate', 'epoch']);
    expect(svg).toContain('data-series="learning rate"');
    expect(texts(svg, 'note')).toEqual([]);
    for (let i = 0; i < plots.length; i++) for (let j = i + 1; j < plots.length; j++) expect(overlap(plots[i]!, plots[j]!)).toBe(false);
    expect(plots[2]!.height).toBeLessThan(plots[0]!.height);
  });

  // rsvg-convert (Debian: librsvg2-bin) parses the SVG as XML and renders it: PNGs to look at.
  const rsvg = spawnSync('rsvg-convert', ['--version']).status === 0;
  (rsvg || process.env.CI ? it : it.skip)('renders with rsvg-convert (test-output/charts/*.png, to look at)', () => {
    const out = join(ROOT, 'test-output', 'charts');
    mkdirSync(out, { recursive: true });
    const cases: Record<string, string> = {
      constant: historySvg(rows(() => 1e-3), 'mnist_mlp: adam, batch 128'),
      cosine: historySvg(rows((i) => 1e-3 * 0.5 * (1 + Math.cos((Math.PI * i) / 12))), 'cosine schedule'),
      'one-epoch': historySvg(rows(() => 0.01, 1), 'one epoch'),
    };
    for (const [name, svg] of Object.entries(cases)) {
      writeFileSync(join(out, `${name}.svg`), svg);
      const r = spawnSync('rsvg-convert', [join(out, `${name}.svg`), '-o', join(out, `${name}.png`)], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(join(out, `${name}.png`)).readUInt32BE(16)).toBe(640);
    }
  });
});
