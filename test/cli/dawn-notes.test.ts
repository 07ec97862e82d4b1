// The watching parent drops Dawn's limit notes from its child's stderr, and only those lines.
import { describe, expect, it } from 'vitest';
import { dawnNoteFilter } from '../../cli/dawn-notes.ts';

const NOTES = [
  'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.',
  'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 80 to 16 to fit dynamic offset allocation limit.',
];

/** What the filter writes for `chunks`, and what it had written before end(). */
function filtered(chunks: (string | Buffer)[]): { text: string; beforeEnd: string } {
  const out: Buffer[] = [];
  const f = dawnNoteFilter((b) => out.push(Buffer.from(b)));
  for (const c of chunks) f.push(typeof c === 'string' ? Buffer.from(c) : c);
  const beforeEnd = Buffer.concat(out).toString();
  f.end();
  return { text: Buffer.concat(out).toString(), beforeEnd };
}

describe("Dawn's limit notes on stderr", () => {
  it('are dropped as whole lines, also when split across chunks at any byte', () => {
    const all = `${NOTES[0]}\n${NOTES[1]}\ndlc: x.csv: no such file\n`;
    expect(filtered([all]).text).toBe('dlc: x.csv: no such file\n');
    for (let cut = 1; cut < all.length; cut += 7) expect(filtered([all.slice(0, cut), all.slice(cut)]).text).toBe('dlc: x.csv: no such file\n');
  });

  it('only the known notes: another warning, a note with more text, or one inside a line stay', () => {
    const kept = [
      'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 8 to 4 for another reason.\n',
      `${NOTES[0]} And more.\n`,
      `dlc: ${NOTES[0]}\n`,
      'Warning: something else from Dawn\n',
    ];
    for (const line of kept) expect(filtered([line]).text).toBe(line);
    expect(filtered(['dlc: a', `bc ${NOTES[0]}\n`]).text).toBe(`dlc: abc ${NOTES[0]}\n`);
  });

  it('passes other output on at once (a partial line is held only while it may become a note) and keeps bytes as they are', () => {
    expect(filtered(['dlc: half a line']).beforeEnd).toBe('dlc: half a line');
    expect(filtered(['Warning: maxDyn']).beforeEnd).toBe('');
    expect(filtered(['Warning: maxDyn']).text).toBe('Warning: maxDyn');
    const binary = Buffer.from([0xff, 0x00, 0x0a, 0xc3, 0xa9, 0x0a, 0x80]);
    const out: Buffer[] = [];
    const f = dawnNoteFilter((b) => out.push(Buffer.from(b)));
    f.push(binary);
    f.end();
    expect(Buffer.concat(out).equals(binary)).toBe(true);
  });
});
