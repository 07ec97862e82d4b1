// The members of a zip archive (stored or deflated, with ZIP64 extra fields as numpy writes them),
// read from the central directory with every offset and size checked against the file. No
// inflating here, so Node (zlib, for .npz) and the browser (DecompressionStream, for the demo's
// artifact zips) share one reader.
import { DataError } from './csv.ts';

/** Most bytes one member may inflate to (1 GiB): a size beyond it is refused before inflating. */
export const MAX_MEMBER_BYTES = 2 ** 30;

/** One member: its name, compression method (0 stored, 8 deflate), inflated size, and its stored bytes. */
export interface ZipMember {
  name: string;
  method: number;
  size: number;
  /** The member's bytes as stored (compressed unless method 0); DataError if its local header is corrupt. */
  raw(): Uint8Array;
}

/**
 * The members listed in the archive's central directory. `kind` names the archive in messages:
 * '.npz' gives "not a .npz (zip) archive".
 */
export function zipMembers(bytes: Uint8Array, file: string, kind = 'zip'): ZipMember[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number): number => view.getUint16(o, true);
  const u32 = (o: number): number => view.getUint32(o, true);
  const need = (o: number, n: number, what: string): void => {
    if (o < 0 || o + n > bytes.length) throw new DataError(`${file}: truncated or not a zip archive (${what} at byte ${o} runs past the end, ${bytes.length} bytes)`);
  };
  // End of central directory: the last 0x06054b50 within the final 22 + 65535 bytes.
  let eocd = -1;
  for (let o = bytes.length - 22; o >= Math.max(0, bytes.length - 22 - 65535); o--) {
    if (u32(o) === 0x06054b50) { eocd = o; break; }
  }
  if (eocd < 0) throw new DataError(`${file}: not a ${kind === 'zip' ? 'zip' : `${kind} (zip)`} archive, or truncated: no end-of-directory record`);
  const entries = u16(eocd + 10);
  let p = u32(eocd + 16);
  const out: ZipMember[] = [];
  for (let k = 0; k < entries; k++) {
    need(p, 46, 'a directory entry');
    if (u32(p) !== 0x02014b50) throw new DataError(`${file}: corrupt zip directory (entry ${k})`);
    const method = u16(p + 10);
    let csize = u32(p + 20);
    let usize = u32(p + 24);
    const nameLen = u16(p + 28), extraLen = u16(p + 30), commentLen = u16(p + 32);
    let local = u32(p + 42);
    need(p + 46, nameLen + extraLen, 'a directory entry');
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // ZIP64: fields saturated at 0xFFFFFFFF are in the 0x0001 extra field, in this order.
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen;) {
      const id = u16(e), len = u16(e + 2);
      if (id === 0x0001) {
        let f = e + 4;
        const big = (): number => { const v = Number(view.getBigUint64(f, true)); f += 8; return v; };
        if (usize === 0xffffffff) usize = big();
        if (csize === 0xffffffff) csize = big();
        if (local === 0xffffffff) local = big();
      }
      e += 4 + len;
    }
    p += 46 + nameLen + extraLen + commentLen;
    const at = local, stored = csize;
    out.push({
      name, method, size: usize,
      raw: () => {
        need(at, 30, `member ${name}`);
        if (u32(at) !== 0x04034b50) throw new DataError(`${file}: corrupt zip member ${name}`);
        const start = at + 30 + u16(at + 26) + u16(at + 28);
        need(start, stored, `member ${name}`);
        return bytes.subarray(start, start + stored);
      },
    });
  }
  return out;
}
