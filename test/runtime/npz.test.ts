// Hostile .npz archives, built byte by byte here: every zip field is bounds-checked (a truncated
// ZIP64 extra field used to read past the buffer), and the total a .npz inflates to is bounded
// before inflating (declared sizes) and while inflating (a lying directory): a zip bomb of 16
// entries pointing at one member that inflates to 1 GiB costs milliseconds, not gigabytes.
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../runtime/data/data-error.ts';
import { parseNpz } from '../../runtime/data/npz-node.ts';
import { messageOf } from '../helpers/errors.ts';

const err = (bytes: Uint8Array, file = 'z.npz'): string => messageOf(() => parseNpz(bytes, file), DataError);

/** A version-1 .npy file of little-endian float32 values with shape [n]. */
function npy(values: number[]): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${values.length},), }`;
  header += `${' '.repeat(63 - ((10 + header.length) % 64))}\n`;
  const out = new Uint8Array(10 + header.length + 4 * values.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  new Float32Array(out.buffer, 10 + header.length).set(values);
  return out;
}

/** A member's local record: name and (possibly compressed) bytes. */
interface Member { name: string; body: Uint8Array; method?: number }
/** A directory entry; by default it describes its member truthfully. */
interface Entry {
  name: string;
  /** Index of the member whose local header it points at. */
  member: number;
  size?: number;
  compressedSize?: number;
  method?: number;
  flags?: number;
  /** Raw 32-bit fields written instead of the true ones (0xffffffff defers to a ZIP64 extra field). */
  sizeField?: number;
  offsetField?: number;
  nameLength?: number;
  extra?: Uint8Array;
}

const u16 = (v: number) => [v & 255, (v >>> 8) & 255];
const u32 = (v: number) => [...u16(v & 0xffff), ...u16(v >>> 16)];
const u64 = (v: number) => [...u32(v % 2 ** 32), ...u32(Math.floor(v / 2 ** 32))];
const text = (s: string) => [...new TextEncoder().encode(s)];

/**
 * A zip archive: local records, then the directory, then the end record (its fields overridable).
 * `zip64End` writes a ZIP64 end record and locator and saturates the plain end record, as large
 * archives do.
 */
function archive(members: Member[], entries?: Entry[], end: { count?: number; dirOffset?: number; zip64End?: boolean } = {}): Uint8Array {
  const bytes: number[] = [];
  const offsets: number[] = [];
  const bodies: Uint8Array[] = [];
  let at = 0;
  for (const m of members) {
    offsets.push(at);
    const head = [...u32(0x04034b50), ...u16(20), ...u16(0), ...u16(m.method ?? 0), ...u32(0), ...u32(0),
      ...u32(m.body.length), ...u32(m.body.length), ...u16(text(m.name).length), ...u16(0), ...text(m.name)];
    bodies.push(new Uint8Array(head), m.body);
    at += head.length + m.body.length;
  }
  const dirOffset = at;
  const list: Entry[] = entries ?? members.map((m, i) => ({ name: m.name, member: i, size: m.method === 8 ? inflateRawSync(m.body).length : m.body.length }));
  for (const e of list) {
    const m = members[e.member]!;
    const extra = e.extra ?? new Uint8Array(0);
    bytes.push(...u32(0x02014b50), ...u16(20), ...u16(20), ...u16(e.flags ?? 0), ...u16(e.method ?? m.method ?? 0), ...u32(0), ...u32(0));
    bytes.push(...u32(e.compressedSize ?? m.body.length), ...u32(e.sizeField ?? e.size ?? m.body.length));
    bytes.push(...u16(e.nameLength ?? text(e.name).length), ...u16(extra.length), ...u16(0), ...u16(0), ...u16(0), ...u32(0));
    bytes.push(...u32(e.offsetField ?? offsets[e.member]!), ...text(e.name), ...extra);
  }
  const dirSize = bytes.length;
  const count = end.count ?? list.length;
  if (end.zip64End) {
    const record = dirOffset + bytes.length;
    bytes.push(...u32(0x06064b50), ...u64(44), ...u16(45), ...u16(45), ...u32(0), ...u32(0), ...u64(count), ...u64(count), ...u64(dirSize), ...u64(end.dirOffset ?? dirOffset));
    bytes.push(...u32(0x07064b50), ...u32(0), ...u64(record), ...u32(1));
    bytes.push(...u32(0x06054b50), ...u16(0), ...u16(0), ...u16(0xffff), ...u16(0xffff), ...u32(0xffffffff), ...u32(0xffffffff), ...u16(0));
  } else {
    bytes.push(...u32(0x06054b50), ...u16(0), ...u16(0), ...u16(count), ...u16(count), ...u32(dirSize), ...u32(end.dirOffset ?? dirOffset), ...u16(0));
  }
  return new Uint8Array(Buffer.concat([...bodies, new Uint8Array(bytes)]));
}

/**
 * A raw deflate stream of `mib` MiB of zeros, about 1 KiB per MiB: one full-flushed block repeated
 * (a full flush resets the history, so each copy decodes alone), then an empty final block.
 */
function zerosDeflated(mib: number): Uint8Array {
  const block = deflateRawSync(new Uint8Array(2 ** 20), { finishFlush: constants.Z_FULL_FLUSH });
  const out = new Uint8Array(block.length * mib + 2);
  for (let i = 0; i < mib; i++) out.set(block, i * block.length);
  out.set([0x03, 0x00], block.length * mib);
  return out;
}

describe('a well-formed archive', () => {
  it('reads stored and deflated members, with a ZIP64 end record and ZIP64 extra sizes', () => {
    const x = npy([1, 2, 3]);
    const plain = archive([{ name: 'x.npy', body: x }, { name: 'y.npy', body: deflateRawSync(npy([4])), method: 8 }, { name: 'notes.txt', body: new Uint8Array(3) }]);
    const arrays = parseNpz(plain, 'ok.npz');
    expect([...arrays.keys()]).toEqual(['x', 'y']);
    expect([...arrays.get('x')!.data]).toEqual([1, 2, 3]);
    expect([...arrays.get('y')!.data]).toEqual([4]);
    const big = archive([{ name: 'x.npy', body: x }], [{ name: 'x.npy', member: 0, sizeField: 0xffffffff, extra: new Uint8Array([...u16(1), ...u16(8), ...u64(x.length)]) }], { zip64End: true });
    expect([...parseNpz(big, 'big.npz').get('x')!.data]).toEqual([1, 2, 3]);
    expect(inflateRawSync(zerosDeflated(3)).length).toBe(3 * 2 ** 20);
  });
});

describe('zip fields are bounds-checked', () => {
  const x = npy([1, 2]);
  const member = [{ name: 'x.npy', body: x }];
  it('a ZIP64 extra field too short for the size it stands for', () => {
    const zip64 = (extra: number[]) => archive(member, [{ name: 'x.npy', member: 0, sizeField: 0xffffffff, extra: new Uint8Array(extra) }]);
    expect(err(zip64([...u16(1), ...u16(0)]))).toBe("z.npz: the ZIP64 extra field of member 'x.npy' holds 0 bytes, too few for the 1 saturated size or offset it must give (8 bytes each)");
    expect(err(zip64([...u16(1), ...u16(4), 0, 0, 0, 0]))).toBe("z.npz: the ZIP64 extra field of member 'x.npy' holds 4 bytes, too few for the 1 saturated size or offset it must give (8 bytes each)");
  });

  it('a directory placed where no directory can be: in the end record\'s comment, its extra field the last bytes of the file', () => {
    // The tester's crash: the ZIP64 field's missing 8 bytes were read past the end of the buffer.
    const local = archive(member).subarray(0, 30 + 5 + x.length);
    const entry = [...u32(0x02014b50), ...u16(20), ...u16(20), ...u16(0), ...u16(0), ...u32(0), ...u32(0), ...u32(x.length), ...u32(0xffffffff),
      ...u16(5), ...u16(4), ...u16(0), ...u16(0), ...u16(0), ...u32(0), ...u32(0), ...text('x.npy'), ...u16(1), ...u16(0)];
    const endRecord = [...u32(0x06054b50), ...u16(0), ...u16(0), ...u16(1), ...u16(1), ...u32(entry.length), ...u32(local.length + 22), ...u16(entry.length)];
    const bytes = new Uint8Array([...local, ...endRecord, ...entry]);
    expect(err(bytes)).toBe(`z.npz: the central directory (bytes ${local.length + 22} to ${bytes.length}) lies outside the archive before its end record (bytes 0 to ${local.length}); the archive is truncated or corrupt`);
  });

  it('each field that points or counts', () => {
    const good = archive(member);
    const dir = 30 + 5 + x.length;
    expect(err(archive(member, [{ name: 'x.npy', member: 0, sizeField: 0xffffffff }]))).toBe("z.npz: member 'x.npy' defers its sizes to a ZIP64 extra field it does not have");
    expect(err(archive(member, [{ name: 'x.npy', member: 0, extra: new Uint8Array([...u16(9), ...u16(40), 0, 0]) }]))).toBe(
      `z.npz: an extra field of member 'x.npy' (bytes ${dir + 51} to ${dir + 95}) lies outside its extra fields (bytes ${dir + 51} to ${dir + 57}); the archive is truncated or corrupt`);
    expect(err(archive(member, [{ name: 'x.npy', member: 0, nameLength: 900 }]))).toBe(
      `z.npz: directory entry 0 with its name, extra fields and comment (bytes ${dir} to ${dir + 946}) lies outside the central directory (bytes ${dir} to ${dir + 51}); the archive is truncated or corrupt`);
    expect(err(archive(member, [{ name: 'x.npy', member: 0, offsetField: 2 ** 31 }]))).toBe(
      `z.npz: the local header of member 'x.npy' (bytes 2147483648 to 2147483678) lies outside the archive before its directory (bytes 0 to ${dir}); the archive is truncated or corrupt`);
    expect(err(archive(member, undefined, { dirOffset: 4e9 }))).toBe(
      `z.npz: the central directory (bytes 4000000000 to 4000000051) lies outside the archive before its end record (bytes 0 to ${dir + 51}); the archive is truncated or corrupt`);
    expect(err(archive(member, undefined, { count: 1000 }))).toBe('z.npz: the directory claims 1000 entries, but its 51 bytes hold at most 1');
    expect(err(archive(member, undefined, { count: 2 ** 40, zip64End: true }))).toBe('z.npz: the directory claims 1099511627776 entries, but its 51 bytes hold at most 1');
    const noLocator = good.slice();
    noLocator.set(u16(0xffff), good.length - 12);
    expect(err(noLocator)).toBe('z.npz: the end record defers to a ZIP64 record, but the ZIP64 locator is missing');
    const far = archive(member, undefined, { zip64End: true });
    far.set(u64(2 ** 40), far.length - 22 - 20 + 8);
    expect(err(far)).toBe(`z.npz: the ZIP64 end-of-directory record (bytes 1099511627776 to 1099511627832) lies outside the archive before its locator (bytes 0 to ${dir + 51 + 56}); the archive is truncated or corrupt`);
    expect(err(good.subarray(0, 40))).toBe('z.npz: not a .npz (zip) archive, or truncated: no end-of-directory record');
  });

  it('members: the compression method, encryption, a stored size that disagrees, a name given twice', () => {
    expect(err(archive(member, [{ name: 'x.npy', member: 0, method: 12 }]))).toBe("z.npz: member 'x.npy' uses zip compression method 12 (stored or deflate only)");
    expect(err(archive(member, [{ name: 'x.npy', member: 0, flags: 1 }]))).toBe("z.npz: member 'x.npy' is encrypted");
    expect(err(archive(member, [{ name: 'x.npy', member: 0, size: 8 }]))).toBe(`z.npz: member 'x.npy' is stored uncompressed in ${x.length} bytes, but its directory entry says 8`);
    expect(err(archive(member, [{ name: 'x.npy', member: 0 }, { name: 'x.npy', member: 0 }]))).toBe("z.npz: member 'x.npy' appears twice");
  });

  it('names from the archive are escaped in messages', () => {
    const name = 'a\x1b[2J\u202e.npy';
    expect(err(archive([{ name, body: new Uint8Array(4) }]), 'e\x1b.npz')).toBe("e\\e.npz:a\\e[2J\\u202e.npy: not a NumPy .npy file (no \\x93NUMPY magic)");
  });
});

describe('the total an archive inflates to is bounded', () => {
  const bomb = zerosDeflated(1024);
  const sixteen = (size: number): Entry[] => Array.from({ length: 16 }, (_, i) => ({ name: `a${i}.npy`, member: 0, size, method: 8 }));

  it('16 entries pointing at one member that inflates to 1 GiB, declared large: refused before inflating', () => {
    const zip = archive([{ name: 'a0.npy', body: bomb, method: 8 }], sixteen(2 ** 30));
    const start = performance.now();
    expect(err(zip, 'bomb.npz')).toBe(
      'bomb.npz: its 16 arrays inflate to 17179869184 bytes in all, more than dlc reads (1073807360)');
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('the same entries declared small: refused by the header, inflated no further than it', () => {
    const zip = archive([{ name: 'a0.npy', body: bomb, method: 8 }], sixteen(1000));
    expect(err(zip, 'bomb.npz')).toBe('bomb.npz:a0.npy: not a NumPy .npy file (no \\x93NUMPY magic)');
  });

  it('a bomb behind a valid .npy header, declared small: inflating stops at the declared size', () => {
    const header = npy(new Array(16).fill(0)).subarray(0, 128);
    header.set(new TextEncoder().encode("{'descr': '<f4', 'fortran_order': False, 'shape': (268435456,), }".padEnd(117) + '\n'), 10);
    const headed = new Uint8Array([...deflateRawSync(header, { finishFlush: constants.Z_FULL_FLUSH }), ...bomb]);
    const zip = archive([{ name: 'a0.npy', body: headed, method: 8 }], sixteen(1000));
    expect(err(zip, 'bomb.npz')).toBe(
      "bomb.npz: member 'a0.npy' inflates to more than the 1000 bytes its directory entry declares");
  });

  it('a member that inflates to less than declared is named too', () => {
    const short = deflateRawSync(npy([1]));
    expect(err(archive([{ name: 'x.npy', body: short, method: 8 }], [{ name: 'x.npy', member: 0, size: 4096 }]))).toBe(
      `z.npz: member 'x.npy' inflates to ${inflateRawSync(short).length} bytes, but its directory entry declares 4096`);
  });
});
