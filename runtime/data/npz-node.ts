// NumPy .npz archives: a zip of .npy files (stored or deflated, with ZIP64 extra fields as numpy
// writes them). Reads the central directory, checks every size against the file and a bound before
// inflating, and parses each member as .npy. Node only (zlib).
import { inflateRawSync } from 'node:zlib';
import { parseNpy, type NdArray } from './arrays.ts';
import { DataError } from './csv.ts';

/** Most bytes one member may inflate to (1 GiB). */
const MAX_MEMBER_BYTES = 2 ** 30;

export function parseNpz(bytes: Uint8Array, file: string): Map<string, NdArray> {
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
  if (eocd < 0) throw new DataError(`${file}: not a .npz (zip) archive, or truncated: no end-of-directory record`);
  const entries = u16(eocd + 10);
  let p = u32(eocd + 16);
  const out = new Map<string, NdArray>();
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
    if (!name.endsWith('.npy')) continue;
    need(local, 30, `member ${name}`);
    if (u32(local) !== 0x04034b50) throw new DataError(`${file}: corrupt zip member ${name}`);
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    need(start, csize, `member ${name}`);
    if (usize > MAX_MEMBER_BYTES) throw new DataError(`${file}: member ${name} inflates to ${usize} bytes, more than dlc reads`);
    const raw = bytes.subarray(start, start + csize);
    let data: Uint8Array;
    if (method === 0) data = raw;
    else if (method === 8) {
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(usize, 1) });
      } catch (err) {
        throw new DataError(`${file}: member ${name} does not inflate: ${(err as Error).message}`);
      }
    } else throw new DataError(`${file}: member ${name} uses zip compression method ${method} (stored or deflate only)`);
    if (data.length !== usize) throw new DataError(`${file}: member ${name} inflates to ${data.length} bytes, the directory says ${usize}`);
    out.set(name.slice(0, -4), parseNpy(data, `${file}:${name}`));
  }
  return out;
}
