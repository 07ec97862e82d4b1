// Dawn's notes about its own limits: its C++ code prints them on stderr each time an adapter is
// created (four lines of 125-130 characters with `--adapter auto`, which wrap on every terminal).
// They are harmless and not dlc's output, so the watching parent (cli/supervise.ts) drops exactly
// these lines from its child's stderr and passes everything else on unchanged, at once.

/** One of Dawn's limit notes, as a whole line (without its newline). */
export const DAWN_LIMIT_NOTE = /^Warning: maxDynamic(?:Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?$/;

const PREFIX = 'Warning: maxDynamic';
/** A partial line is held back only while it may still become a note (they are about 130 bytes). */
const MAX_HELD = 256;
const NEWLINE = 0x0a;

/** A filter over a byte stream: push chunks as they come, end() when the stream ends. */
export interface LineFilter {
  push(chunk: Buffer): void;
  end(): void;
}

/**
 * Drops Dawn's limit notes from a byte stream and writes the rest through `write`, byte for byte.
 * Only whole lines that match DAWN_LIMIT_NOTE are dropped; a partial line is held back only while it
 * could still be one, so dlc's own messages (and binary output sent to stderr) are never delayed.
 */
export function dawnNoteFilter(write: (bytes: Buffer) => void): LineFilter {
  let held = Buffer.alloc(0);
  let atLineStart = true;
  const mayBeNote = (bytes: Buffer): boolean => {
    if (bytes.length > MAX_HELD) return false;
    const text = bytes.toString('latin1');
    return text.startsWith(PREFIX) || PREFIX.startsWith(text);
  };
  return {
    push(chunk) {
      const data = held.length ? Buffer.concat([held, chunk]) : chunk;
      held = Buffer.alloc(0);
      const out: Buffer[] = [];
      let start = 0;
      while (start < data.length) {
        const nl = data.indexOf(NEWLINE, start);
        if (nl === -1) {
          const rest = data.subarray(start);
          if (atLineStart && mayBeNote(rest)) held = Buffer.from(rest);
          else {
            out.push(rest);
            atLineStart = false;
          }
          break;
        }
        const line = data.subarray(start, nl);
        if (!atLineStart || !DAWN_LIMIT_NOTE.test(line.toString('latin1'))) out.push(data.subarray(start, nl + 1));
        atLineStart = true;
        start = nl + 1;
      }
      if (out.length) write(Buffer.concat(out));
    },
    end() {
      if (held.length) write(held);
      held = Buffer.alloc(0);
    },
  };
}
