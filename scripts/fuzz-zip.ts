// A small ZIP writer for the data fuzzer's .npz files: stored or deflated members, optional ZIP64
// extra fields (as numpy writes them), and the offset of every header field, so mutations can set
// one field to an edge value. Also builds a deflate stream that inflates far beyond its size.
import { constants, crc32, deflateRawSync } from 'node:zlib';

export interface ZipMember {
  name: string;
  data: Uint8Array;
  /** 0: stored, 8: deflated. */
  method: 0 | 8;
  /** Sizes (and the local offset) saturated at 0xFFFFFFFF with the real values in a ZIP64 extra field. */
  zip64: boolean;
  /** Compressed bytes to store instead of deflating `data` (with the size it inflates to). */
  raw?: { bytes: Uint8Array; size: number };
}

/** A header field's place in the archive, for mutations. */
export interface ZipField {
  name: string;
  offset: number;
  /** Bytes: 2, 4 or 8 (little-endian). */
  width: 2 | 4 | 8;
}

/** Writes `members` as a ZIP archive; returns the bytes and where each header field lies. */
export function writeZip(members: ZipMember[]): { bytes: Uint8Array; fields: ZipField[] } {
  const parts: Uint8Array[] = [];
  const fields: ZipField[] = [];
  let at = 0;
  const central: { m: ZipMember; crc: number; csize: number; usize: number; local: number; name: Uint8Array }[] = [];
  const push = (b: Uint8Array): void => {
    parts.push(b);
    at += b.length;
  };
  for (const m of members) {
    const name = new TextEncoder().encode(m.name);
    const body = m.raw?.bytes ?? (m.method === 8 ? deflateRawSync(m.data) : m.data);
    const usize = m.raw?.size ?? m.data.length;
    const crc = m.raw ? 0 : crc32(m.data);
    const extra = m.zip64 ? zip64Extra([usize, body.length]) : new Uint8Array(0);
    const h = new DataView(new ArrayBuffer(30));
    h.setUint32(0, 0x04034b50, true);
    h.setUint16(4, m.zip64 ? 45 : 20, true);
    h.setUint16(8, m.method, true);
    h.setUint16(12, 0x21, true);
    h.setUint32(14, crc, true);
    h.setUint32(18, m.zip64 ? 0xffffffff : body.length, true);
    h.setUint32(22, m.zip64 ? 0xffffffff : usize, true);
    h.setUint16(26, name.length, true);
    h.setUint16(28, extra.length, true);
    fields.push({ name: `${m.name} local method`, offset: at + 8, width: 2 }, { name: `${m.name} local name length`, offset: at + 26, width: 2 }, { name: `${m.name} local extra length`, offset: at + 28, width: 2 });
    central.push({ m, crc, csize: body.length, usize, local: at, name });
    push(new Uint8Array(h.buffer));
    push(name);
    push(extra);
    push(body);
  }
  const cdStart = at;
  for (const c of central) {
    const extra = c.m.zip64 ? zip64Extra([c.usize, c.csize, c.local]) : new Uint8Array(0);
    const h = new DataView(new ArrayBuffer(46));
    h.setUint32(0, 0x02014b50, true);
    h.setUint16(4, 45, true);
    h.setUint16(6, c.m.zip64 ? 45 : 20, true);
    h.setUint16(10, c.m.method, true);
    h.setUint16(14, 0x21, true);
    h.setUint32(16, c.crc, true);
    h.setUint32(20, c.m.zip64 ? 0xffffffff : c.csize, true);
    h.setUint32(24, c.m.zip64 ? 0xffffffff : c.usize, true);
    h.setUint16(28, c.name.length, true);
    h.setUint16(30, extra.length, true);
    h.setUint32(42, c.m.zip64 ? 0xffffffff : c.local, true);
    const n = c.m.name;
    fields.push(
      { name: `${n} method`, offset: at + 10, width: 2 }, { name: `${n} compressed size`, offset: at + 20, width: 4 },
      { name: `${n} size`, offset: at + 24, width: 4 }, { name: `${n} name length`, offset: at + 28, width: 2 },
      { name: `${n} extra length`, offset: at + 30, width: 2 }, { name: `${n} comment length`, offset: at + 32, width: 2 },
      { name: `${n} local offset`, offset: at + 42, width: 4 },
    );
    if (c.m.zip64) {
      const e = at + 46 + c.name.length;
      fields.push({ name: `${n} zip64 extra length`, offset: e + 2, width: 2 }, { name: `${n} zip64 size`, offset: e + 4, width: 8 }, { name: `${n} zip64 compressed size`, offset: e + 12, width: 8 }, { name: `${n} zip64 local offset`, offset: e + 20, width: 8 });
    }
    push(new Uint8Array(h.buffer));
    push(c.name);
    push(extra);
  }
  const e = new DataView(new ArrayBuffer(22));
  e.setUint32(0, 0x06054b50, true);
  e.setUint16(8, members.length, true);
  e.setUint16(10, members.length, true);
  e.setUint32(12, at - cdStart, true);
  e.setUint32(16, cdStart, true);
  fields.push({ name: 'directory entries', offset: at + 10, width: 2 }, { name: 'directory size', offset: at + 12, width: 4 }, { name: 'directory offset', offset: at + 16, width: 4 }, { name: 'comment length', offset: at + 20, width: 2 });
  push(new Uint8Array(e.buffer));
  const bytes = new Uint8Array(at);
  let o = 0;
  for (const p of parts) {
    bytes.set(p, o);
    o += p.length;
  }
  return { bytes, fields };
}

/** The ZIP64 extended-information extra field (id 1) holding the given 8-byte values. */
function zip64Extra(values: number[]): Uint8Array {
  const v = new DataView(new ArrayBuffer(4 + 8 * values.length));
  v.setUint16(0, 0x0001, true);
  v.setUint16(2, 8 * values.length, true);
  values.forEach((x, i) => v.setBigUint64(4 + 8 * i, BigInt(x), true));
  return new Uint8Array(v.buffer);
}

/** Writes `value` into the field (edge values beyond the width wrap, as a corrupt writer's would). */
export function setField(bytes: Uint8Array, f: ZipField, value: number): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (f.offset + f.width > bytes.length) return;
  if (f.width === 2) v.setUint16(f.offset, value & 0xffff, true);
  else if (f.width === 4) v.setUint32(f.offset, value >>> 0, true);
  else v.setBigUint64(f.offset, BigInt.asUintN(64, BigInt(Math.trunc(Math.min(Math.abs(value), 2 ** 64)))), true);
}

/**
 * A raw deflate stream of `prefix` followed by zeros, `size` bytes in all, a few hundred times
 * smaller than that: flushed segments of one compressed MiB of zeros, repeated, then a final block.
 */
export function deflateBomb(prefix: Uint8Array, size: number): Uint8Array {
  const MiB = 2 ** 20;
  const flush = { finishFlush: constants.Z_FULL_FLUSH };
  const head = new Uint8Array(MiB);
  head.set(prefix);
  const first = deflateRawSync(head, flush);
  const zeros = deflateRawSync(new Uint8Array(MiB), flush);
  const last = deflateRawSync(new Uint8Array(0));
  const repeats = Math.max(0, Math.floor((size - MiB) / MiB));
  const out = new Uint8Array(first.length + repeats * zeros.length + last.length);
  out.set(first, 0);
  for (let i = 0; i < repeats; i++) out.set(zeros, first.length + i * zeros.length);
  out.set(last, first.length + repeats * zeros.length);
  return out;
}
