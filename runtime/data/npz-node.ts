// NumPy .npz archives: a zip of .npy files (stored or deflated, with ZIP64 fields as numpy writes
// them). The directory is read with every field checked (zip.ts); the total the members inflate to
// is bounded before inflating, from the declared sizes, and enforced while inflating, so a lying
// directory or sixteen entries pointing at one huge member cannot exhaust memory. Each member's
// .npy header is inflated first, so a caller checks shapes before any body is inflated: a member
// of the wrong shape costs nothing however large it claims to be. Node only (zlib).
import { constants, inflateRawSync } from 'node:zlib';
import { printable } from '../../dsl/printable.ts';
import { parseNpy, parseNpyHeader, type NdArray, type NpyHeader } from './arrays.ts';
import { DataError, shownFile } from './data-error.ts';
import { MAX_ARRAY_FILE_BYTES } from './limits.ts';
import { zipMembers, type ZipMember } from './zip.ts';

/** The member's bytes, never more than its declared size (zlib stops at maxOutputLength). */
function memberBytes(bytes: Uint8Array, m: ZipMember, where: string): Uint8Array {
  const raw = bytes.subarray(m.start, m.start + m.compressedSize);
  if (m.method === 0) {
    if (m.compressedSize !== m.size) throw new DataError(`${where} is stored uncompressed in ${m.compressedSize} bytes, but its directory entry says ${m.size}`);
    return raw;
  }
  if (m.method !== 8) throw new DataError(`${where} uses zip compression method ${m.method} (stored or deflate only)`);
  let data: Uint8Array;
  try {
    // One byte of room for an empty member, so that inflating anything at all is caught below. The
    // output is one chunk of the declared size and a byte more (pages a lying size never fills are
    // never touched): zlib's default 16 KiB chunks are joined at the end, twice the time.
    const room = Math.max(m.size, 1);
    data = inflateRawSync(raw, { maxOutputLength: room, chunkSize: Math.max(room + 1, 64) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DataError(`${where} inflates to more than the ${m.size} bytes its directory entry declares`);
    }
    throw new DataError(`${where} does not inflate: ${printable((err as Error).message)}`);
  }
  if (data.length !== m.size) throw new DataError(`${where} inflates to ${data.length} bytes, but its directory entry declares ${m.size}`);
  return data;
}

/**
 * The .npy header at the start of a member, from as few of its compressed bytes as hold it (a
 * deflate stream's prefix inflates to a prefix of the member; headers are usually under 128 bytes).
 */
function memberHeader(bytes: Uint8Array, m: ZipMember, where: string, name: string): NpyHeader {
  const raw = bytes.subarray(m.start, m.start + m.compressedSize);
  if (m.method !== 8) return parseNpyHeader(memberBytes(bytes, m, where), name)!;
  for (let take = Math.min(256, raw.length); ; take = Math.min(2 * take, raw.length)) {
    let head: Uint8Array;
    try {
      // Deflate expands at most 1032:1, so this bound is never hit: it only caps the buffer.
      head = inflateRawSync(raw.subarray(0, take), { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 1040 * take + 64 });
    } catch (err) {
      throw new DataError(`${where} does not inflate: ${printable((err as Error).message)}`);
    }
    const h = parseNpyHeader(head.subarray(0, Math.min(head.length, m.size)), name, take < raw.length || head.length < m.size);
    if (h || take === raw.length) return h ?? parseNpyHeader(memberBytes(bytes, m, where), name)!;
  }
}

/** One .npy member of an archive: its header, and its array on demand (inflated then). */
export interface NpzMember {
  header: NpyHeader;
  read(): NdArray;
}

/**
 * The .npy members of a .npz archive by name without ".npy" (others are skipped), each with its
 * header read and its body not yet inflated.
 * @throws DataError naming the file (and member) for a corrupt archive, a duplicate member, more
 *   than MAX_ARRAY_FILE_BYTES inflated in all, or a malformed .npy header.
 */
export function npzMembers(bytes: Uint8Array, name: string): Map<string, NpzMember> {
  const file = shownFile(name);
  const members = zipMembers(bytes, name).filter((m) => m.name.endsWith('.npy'));
  const total = members.reduce((sum, m) => sum + m.size, 0);
  if (total > MAX_ARRAY_FILE_BYTES) {
    throw new DataError(`${file}: its ${members.length} arrays inflate to ${total} bytes in all, more than dlc reads (${MAX_ARRAY_FILE_BYTES})`);
  }
  const out = new Map<string, NpzMember>();
  for (const m of members) {
    const key = m.name.slice(0, -4);
    if (out.has(key)) throw new DataError(`${file}: member '${printable(m.name)}' appears twice`);
    const where = `${file}: member '${printable(m.name)}'`;
    const header = memberHeader(bytes, m, where, `${name}:${m.name}`);
    out.set(key, { header, read: () => parseNpy(memberBytes(bytes, m, where), `${name}:${m.name}`) });
  }
  return out;
}

/**
 * The arrays of a .npz archive, by name without ".npy" (members with other names are skipped).
 * @throws DataError as npzMembers, or for a member whose body is corrupt.
 */
export function parseNpz(bytes: Uint8Array, name: string): Map<string, NdArray> {
  return new Map([...npzMembers(bytes, name)].map(([key, m]) => [key, m.read()]));
}
