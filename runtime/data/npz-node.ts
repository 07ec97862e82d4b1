// NumPy .npz archives: a zip of .npy files (members listed by zip.ts, which checks every offset
// and size against the file), each bounded before it is inflated and parsed as .npy. Node only (zlib).
import { inflateRawSync } from 'node:zlib';
import { parseNpy, type NdArray } from './arrays.ts';
import { DataError } from './csv.ts';
import { MAX_MEMBER_BYTES, zipMembers } from './zip.ts';

/** The arrays of a .npz file by name (the member name less .npy); errors name the file and the member. */
export function parseNpz(bytes: Uint8Array, file: string): Map<string, NdArray> {
  const out = new Map<string, NdArray>();
  for (const m of zipMembers(bytes, file, '.npz')) {
    if (!m.name.endsWith('.npy')) continue;
    const raw = m.raw();
    if (m.size > MAX_MEMBER_BYTES) throw new DataError(`${file}: member ${m.name} inflates to ${m.size} bytes, more than dlc reads`);
    let data: Uint8Array;
    if (m.method === 0) data = raw;
    else if (m.method === 8) {
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(m.size, 1) });
      } catch (err) {
        throw new DataError(`${file}: member ${m.name} does not inflate: ${(err as Error).message}`);
      }
    } else throw new DataError(`${file}: member ${m.name} uses zip compression method ${m.method} (stored or deflate only)`);
    if (data.length !== m.size) throw new DataError(`${file}: member ${m.name} inflates to ${data.length} bytes, the directory says ${m.size}`);
    out.set(m.name.slice(0, -4), parseNpy(data, `${file}:${m.name}`));
  }
  return out;
}
