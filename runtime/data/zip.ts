// The directory of a zip archive (what .npz files are), read with every field bounds-checked: the
// end record, ZIP64 records and extra fields, each directory entry, each local header and each
// member's data must lie inside the file, and inside the region it belongs to. Pure: bytes in.
import { printable } from '../../dsl/printable.ts';
import { DataError, shownFile } from './data-error.ts';

/** One member: where its (possibly compressed) bytes are, and the sizes its directory entry declares. */
export interface ZipMember {
  name: string;
  /** 0 stored, 8 deflate (others are refused by the caller). */
  method: number;
  /** Offset of the member's data in the archive. */
  start: number;
  compressedSize: number;
  /** Declared size after inflating; a lying entry is caught while inflating. */
  size: number;
}

const END_RECORD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END_RECORD = 0x06064b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
/** A 32-bit field saturated to say "the value is in the ZIP64 extra field". */
const SATURATED = 0xffffffff;

/**
 * Every member of the zip archive in `bytes`, in directory order; `kind` names the archive in messages.
 * @throws DataError naming `file`, the record and the field that does not fit.
 */
export function zipMembers(bytes: Uint8Array, name: string, kind = '.npz (zip)'): ZipMember[] {
  const file = shownFile(name);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (problem: string): never => {
    throw new DataError(`${file}: ${problem}`);
  };
  /** Refuses `what` at [at, at + n) unless it lies inside [from, to). */
  const inside = (at: number, n: number, what: string, from = 0, to = bytes.length, region = 'the file'): void => {
    if (!(at >= from && n >= 0 && at + n <= to)) fail(`${what} (bytes ${at} to ${at + n}) lies outside ${region} (bytes ${from} to ${to}); the archive is truncated or corrupt`);
  };
  const u16 = (o: number): number => view.getUint16(o, true);
  const u32 = (o: number): number => view.getUint32(o, true);
  // Above 2^53 a Number loses precision, but such a value is past any file's end and refused anyway.
  const u64 = (o: number): number => Number(view.getBigUint64(o, true));

  // The end record: the last signature within the final 22 + 65,535 bytes (its comment is at most 65,535).
  let end = -1;
  for (let o = bytes.length - 22; o >= Math.max(0, bytes.length - 22 - 65535); o--) {
    if (u32(o) === END_RECORD) { end = o; break; }
  }
  if (end < 0) fail(`not a ${kind} archive, or truncated: no end-of-directory record`);
  if (u16(end + 4) !== 0 || u16(end + 6) !== 0) fail('a split (multi-disk) zip archive; dlc reads single-file archives');
  let count = u16(end + 10);
  let dirSize = u32(end + 12);
  let dirStart = u32(end + 16);
  let dirLimit = end;
  if (count === 0xffff || dirSize === SATURATED || dirStart === SATURATED) {
    // ZIP64: a locator just before the end record points at the ZIP64 end record with the real values.
    inside(end - 20, 20, 'the ZIP64 end-of-directory locator');
    if (u32(end - 20) !== ZIP64_LOCATOR) fail('the end record defers to a ZIP64 record, but the ZIP64 locator is missing');
    const record = u64(end - 20 + 8);
    inside(record, 56, 'the ZIP64 end-of-directory record', 0, end - 20, 'the archive before its locator');
    if (u32(record) !== ZIP64_END_RECORD) fail(`no ZIP64 end-of-directory record at byte ${record}, where the locator points`);
    count = u64(record + 32);
    dirSize = u64(record + 40);
    dirStart = u64(record + 48);
    dirLimit = record;
  }
  inside(dirStart, dirSize, 'the central directory', 0, dirLimit, 'the archive before its end record');
  // Each entry takes at least 46 bytes: a count the directory cannot hold is refused before looping.
  if (count * 46 > dirSize) fail(`the directory claims ${count} entries, but its ${dirSize} bytes hold at most ${Math.floor(dirSize / 46)}`);
  const dirEnd = dirStart + dirSize;

  const members: ZipMember[] = [];
  let p = dirStart;
  for (let k = 0; k < count; k++) {
    const entry = `directory entry ${k}`;
    inside(p, 46, entry, dirStart, dirEnd, 'the central directory');
    if (u32(p) !== DIRECTORY_ENTRY) fail(`corrupt zip directory: no signature at ${entry} (byte ${p})`);
    const flags = u16(p + 8);
    const method = u16(p + 10);
    let compressedSize = u32(p + 20);
    let size = u32(p + 24);
    const nameLen = u16(p + 28), extraLen = u16(p + 30), commentLen = u16(p + 32);
    let local = u32(p + 42);
    inside(p, 46 + nameLen + extraLen + commentLen, `${entry} with its name, extra fields and comment`, dirStart, dirEnd, 'the central directory');
    const memberName = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    const shown = `member '${printable(memberName)}'`;
    if (flags & 1) fail(`${shown} is encrypted`);

    // ZIP64 extra field (id 1): the saturated fields, 8 bytes each, in this order.
    const saturated = [size === SATURATED, compressedSize === SATURATED, local === SATURATED];
    const wanted = saturated.filter(Boolean).length * 8;
    let zip64 = false;
    const extraEnd = p + 46 + nameLen + extraLen;
    // Fewer than 4 bytes left is padding, as some writers leave (Python's zipfile skips it too).
    for (let e = p + 46 + nameLen; e + 4 <= extraEnd;) {
      const id = u16(e), len = u16(e + 2);
      inside(e, 4 + len, `an extra field of ${shown}`, p + 46 + nameLen, extraEnd, 'its extra fields');
      if (id === 0x0001) {
        if (len < wanted) fail(`the ZIP64 extra field of ${shown} holds ${len} bytes, too few for the ${wanted / 8} saturated size${wanted === 8 ? '' : 's'} or offset${wanted === 8 ? '' : 's'} it must give (8 bytes each)`);
        let f = e + 4;
        const next = (): number => { const v = u64(f); f += 8; return v; };
        if (saturated[0]) size = next();
        if (saturated[1]) compressedSize = next();
        if (saturated[2]) local = next();
        zip64 = true;
      }
      e += 4 + len;
    }
    if (wanted > 0 && !zip64) fail(`${shown} defers its sizes to a ZIP64 extra field it does not have`);
    p += 46 + nameLen + extraLen + commentLen;

    // The local header repeats the name and has its own extra fields; the data follows them, before the directory.
    inside(local, 30, `the local header of ${shown}`, 0, dirStart, 'the archive before its directory');
    if (u32(local) !== LOCAL_HEADER) fail(`corrupt zip: no local header for ${shown} at byte ${local}`);
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    inside(start, compressedSize, `the data of ${shown}`, 0, dirStart, 'the archive before its directory');
    members.push({ name: memberName, method, start, compressedSize, size });
  }
  return members;
}
