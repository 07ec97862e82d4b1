// Mutations of generated data files, per format: CSV cells, quoting and headers; .npy headers and
// values; IDX dimensions and types; .npz members and ZIP fields (sizes, offsets, ZIP64 extras,
// compression method, a deflate bomb); safetensors headers and lengths; byte damage for all; and
// hazards that replace the file (a FIFO, a folder, /dev/zero, a huge sparse file).
import type { Rng } from '../runtime/random.ts';
import { encodeIdx, encodeNpy, npyHeader, type DataCase, type NpyParts } from './fuzz-data-files.ts';
import { damageBytes, EDGE_NUMBERS, edgeJsonValue, mutateJson, pick, resize, weighted } from './fuzz-mutate.ts';
import type { Hazard } from './fuzz-run.ts';
import { deflateBomb, setField, writeZip } from './fuzz-zip.ts';


/** A data input ready to write: the file under test (or a hazard in its place), and the labels file. */
export interface DataInput {
  bytes: Uint8Array;
  hazard?: Hazard;
  /** The labels file, when the features need one (possibly the one mutated). */
  labels?: { name: string; bytes: Uint8Array };
  recipe: string[];
  /** Bytes an .npz member inflates to when it is a deflate bomb within dlc's limits: the reader may hold them. */
  inflates?: number;
}

/** Cells of CSV text that readers must refuse or read exactly. */
const CSV_CELLS = ['0x1', '1e39', '-1e39', '3.4e38', '3.5e38', 'NaN', 'nan', '-nan', 'Infinity', '1e-46', '-0', '', ' ', '1_000', '١', '0b1', '1e', '.', '+', '1,5', '"1"', '"1""2"', '9'.repeat(400), '\u00a01'];
const CONTROL = ['\u0000', '\u001b[2J', '\u001b]0;pwned\u0007', '\u0007', '\r', '\u202e', '\ufeff', '\u0085', '\u0008'];

/** One edit of the CSV's cells (a header cell or a data cell). */
function mutateCsv(rows: string[][], rng: Rng): string {
  if (!rows.length || !rows[0]!.length) return 'no cells to edit';
  const r = rng.int(rows.length);
  const k = rng.int(rows[r]!.length);
  // A data row when there is one (else the header), for the edits that belong in data.
  const d = rows.length > 1 ? 1 + rng.int(rows.length - 1) : 0;
  const where = r === 0 ? `header column ${k + 1}` : `row ${r + 1} column ${k + 1}`;
  switch (rng.int(8)) {
    case 0: {
      const c = pick(rng, CONTROL);
      const cell = rows[r]![k]!;
      rows[r]![k] = rng.next() < 0.5 ? `${c}${cell}` : `${cell}${c}`;
      return `${JSON.stringify(c)} in ${where}`;
    }
    case 1: {
      const n = pick(rng, [100_000, 1_000_000, 8_000_000]);
      rows[r]![k] = pick(rng, ['x', '1', ' ']).repeat(n);
      return `${where} of ${n} characters`;
    }
    case 2: {
      const j = rng.int(rows[0]!.length);
      rows[0]![k] = rows[0]![j]!;
      return `header column ${k + 1} named like column ${j + 1} ('${rows[0]![j]}')`;
    }
    case 3: case 4: {
      const cell = pick(rng, CSV_CELLS);
      const j = rng.int(rows[d]!.length);
      rows[d]![j] = cell;
      return `row ${d + 1} column ${j + 1} = ${JSON.stringify(cell.length > 20 ? `${cell.slice(0, 20)}…` : cell)}`;
    }
    case 5: {
      const row = rows[d]!;
      if (rng.next() < 0.5) row.pop();
      else row.push('1');
      return `row ${d + 1} has ${row.length} cells`;
    }
    case 6: {
      const n = pick(rng, [1, 1000, 100_000]);
      for (let i = 0; i < n; i++) rows[0]!.push(`extra${i}`);
      return `${n} more header columns`;
    }
    default: {
      if (rng.next() < 0.5) rows.splice(1);
      else rows.splice(0, 1);
      return rows.length <= 1 ? 'header only' : 'no header row';
    }
  }
}

/** Edits of the CSV as text: quoting, line endings, invalid UTF-8. */
function mutateCsvText(text: string, rng: Rng): { text: string; what: string } {
  const at = rng.int(text.length + 1);
  switch (rng.int(5)) {
    case 0: return { text: `${text.slice(0, at)}"${text.slice(at)}`, what: `a quote at character ${at}` };
    case 1: return { text: text.replace(/\n/g, '\r\n'), what: 'CRLF line endings' };
    case 2: return { text: text.replace(/\n/g, '\r'), what: 'CR line endings' };
    case 3: return { text: `${text.slice(0, at)}"a\nb"${text.slice(at)}`, what: `a quoted newline at character ${at}` };
    default: return { text: `${text}${'\n'.repeat(pick(rng, [3, 100_000]))}`, what: 'blank lines at the end' };
  }
}

/** One edit of a .npy header or body. */
function mutateNpy(p: NpyParts, rng: Rng): string {
  const shape = /'shape': \(([^)]*)\)/.exec(p.header)?.[1] ?? '';
  const descr = /'descr': '([^']*)'/.exec(p.header)?.[1] ?? '<f4';
  switch (rng.int(6)) {
    case 0: {
      const dims = shape.split(',').map((s) => s.trim()).filter(Boolean);
      const i = rng.int(Math.max(1, dims.length));
      dims[i] = String(pick(rng, [...EDGE_NUMBERS, '99999999999999999999', '1e300', '-0', '2**31', 'None']));
      if (rng.next() < 0.2) dims.push(...Array.from({ length: pick(rng, [1, 64]) }, () => '1'));
      p.header = npyHeader(descr, dims, p.version);
      return `shape (${dims.join(', ').slice(0, 60)})`;
    }
    case 1: {
      const d = pick(rng, ['<f2', '|b1', '<c8', '<U4', '|O', '<f16', '<m8', '|V8', '<u8', '>f8', '<i8', '|S3', '<f4', 'f4']);
      p.header = p.header.replace(`'${descr}'`, `'${d}'`);
      return `dtype ${d}`;
    }
    case 2: {
      p.header = p.header.replace('False', pick(rng, ['True', 'None', "'no'"]));
      return 'fortran_order changed';
    }
    case 3: {
      const at = rng.int(p.header.length);
      const junk = pick(rng, ['\u0000', '}', "'", '\u001b[2J', 'é', '(', ')']);
      p.header = p.header.slice(0, at) + junk + p.header.slice(at + 1);
      return `header character ${at} = ${JSON.stringify(junk)}`;
    }
    case 4: {
      // A float value beyond float32, or an integer label out of any range, in the body.
      const w = /f8|i8/.test(descr) ? 8 : /f4|i4/.test(descr) ? 4 : 0;
      if (!w || p.body.length < w) return 'no wide value to change';
      const v = new DataView(p.body.buffer, p.body.byteOffset, p.body.byteLength);
      // Earlier mutations may leave a body that is not whole values: pick among the whole ones.
      const at = rng.int(Math.floor(p.body.length / w)) * w;
      const le = !descr.startsWith('>');
      const x = pick(rng, [1e39, -1e39, Infinity, NaN, 3.5e38, 2 ** 63, -1]);
      if (descr.includes('f8')) v.setFloat64(at, x, le);
      else if (descr.includes('f4')) v.setFloat32(at, x, le);
      else if (descr.includes('i8')) v.setBigInt64(at, BigInt.asIntN(64, BigInt(Number.isFinite(x) ? Math.trunc(x) : -1)), le);
      else v.setInt32(at, Number.isFinite(x) ? x : -1, le);
      return `value at body byte ${at} = ${x}`;
    }
    default: {
      p.version = pick(rng, [1, 2, 3] as const);
      return `format version ${p.version}`;
    }
  }
}

/** Replaces `bytes` by `p` re-encoded, then overwrites the header-length field or the version byte. */
function npyFieldEdit(bytes: Uint8Array, rng: Rng): string {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12) return 'file too short for a field edit';
  if (rng.next() < 0.3) {
    bytes[6] = pick(rng, [0, 4, 255]);
    return `version byte ${bytes[6]}`;
  }
  const x = pick(rng, [0, 1, 0xffff, 0xffffffff, v.getUint16(8, true) + 1, 2 ** 31]);
  if (bytes[6] === 1) v.setUint16(8, x & 0xffff, true);
  else v.setUint32(8, x >>> 0, true);
  return `header length field ${x}`;
}

/** One edit of an IDX file's header (bytes). */
function mutateIdxHeader(bytes: Uint8Array, rng: Rng): string {
  // An earlier edit may have cut the file inside its 4-byte magic: nothing of the header to edit.
  if (bytes.length < 4) return 'header too short to edit';
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ndim = bytes[3]!;
  switch (rng.int(4)) {
    case 0: {
      const i = rng.int(Math.max(1, ndim));
      if (8 + 4 * i > bytes.length) return 'no dimension to change';
      const d = pick(rng, [0, 1, 0xffffffff, 2 ** 28, 2 ** 16 + 1, 2 ** 31]);
      v.setUint32(4 + 4 * i, d, false);
      return `dimension ${i} = ${d}`;
    }
    case 1: bytes[2] = pick(rng, [0x0a, 0x0e, 0x08, 0x0d, 0x0c, 0xff]); return `type byte 0x${bytes[2]!.toString(16)}`;
    case 2: bytes[3] = pick(rng, [0, 255, ndim + 1, Math.max(0, ndim - 1)]); return `dimension count ${bytes[3]}`;
    default: bytes[rng.int(2)] = pick(rng, [1, 0xff]); return 'magic bytes not zero';
  }
}

/** The header of a safetensors file as JSON, and its data bytes. */
function splitSafetensors(bytes: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } {
  const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len))) as Record<string, unknown>, data: bytes.subarray(8 + len) };
}

function joinSafetensors(headerText: string, data: Uint8Array): Uint8Array {
  const h = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/** One edit of a safetensors file: a header field, a tensor name, metadata, or the length field. */
function mutateSafetensors(bytes: Uint8Array, rng: Rng): { bytes: Uint8Array; what: string } {
  let parts;
  try {
    parts = splitSafetensors(bytes);
  } catch {
    return damageBytes(bytes, rng); // an earlier mutation broke the header: damage it further
  }
  const { header, data } = parts;
  const names = Object.keys(header).filter((n) => n !== '__metadata__');
  if (!names.length) return damageBytes(bytes, rng);
  switch (rng.int(5)) {
    case 0: {
      const what = mutateJson(header, rng);
      return { bytes: joinSafetensors(JSON.stringify(header), data), what: `header ${what}` };
    }
    case 1: {
      const n = pick(rng, names);
      // An earlier edit may have made the entry a number or a list: edit a fresh object then.
      const entry = header[n];
      const t = (typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? entry : (header[n] = {})) as Record<string, unknown>;
      const field = pick(rng, ['dtype', 'shape', 'data_offsets']);
      t[field] = field === 'dtype' ? pick(rng, ['F16', 'BF16', 'F64', 'I64', 'BOOL', 'f32', 'U8']) : pick(rng, [[0, 2 ** 53], [2 ** 53, 2 ** 53], [8, 4], [-4, 0], [0, 1e300], [2 ** 31, 2 ** 31 + 4], [], [2 ** 30, 2 ** 30], [0, 0, 0]]);
      return { bytes: joinSafetensors(JSON.stringify(header), data), what: `tensor "${n}" ${field} = ${JSON.stringify(t[field])}` };
    }
    case 2: {
      const n = pick(rng, names);
      const to = pick(rng, [`${n}\u001b[2J`, `${n}\u202e`, '', '__proto__', 'constructor', `${n}x`, 'x'.repeat(5000)]);
      const text = JSON.stringify(header).replace(JSON.stringify(n), JSON.stringify(to));
      return { bytes: joinSafetensors(text, data), what: `tensor "${n}" renamed ${JSON.stringify(to.slice(0, 20))}` };
    }
    case 3: {
      const old = header.__metadata__;
      const meta = (typeof old === 'object' && old !== null && !Array.isArray(old) ? old : {}) as Record<string, unknown>;
      const key = pick(rng, ['epoch', 'step', 'seed', 'kind', 'model', 'source_hash']);
      meta[key] = pick<unknown>(rng, ['-1', '1e300', 'NaN', '9007199254740993', '0x10', '', 'weights', 7, null, '1.5', '\u001b[2J', edgeJsonValue(rng)]);
      header.__metadata__ = meta;
      return { bytes: joinSafetensors(JSON.stringify(header), data), what: `metadata ${key} = ${JSON.stringify(meta[key])?.slice(0, 30)}` };
    }
    default: {
      const out = new Uint8Array(bytes);
      const v = new DataView(out.buffer);
      const real = v.getUint32(0, true);
      const x = pick(rng, [0, 1, real + 1, real - 1, 2 ** 32, 2 ** 53, 2 ** 64 - 1, 100 * 2 ** 20 + 1]);
      v.setBigUint64(0, BigInt.asUintN(64, BigInt(Math.min(x, 2 ** 64 - 1))), true);
      return { bytes: out, what: `header length field ${x}` };
    }
  }
}

/** The .npz as built, with one member or ZIP field edited; or a member replaced by a deflate bomb. */
function mutateNpz(c: DataCase, rng: Rng, recipe: string[]): { bytes: Uint8Array; inflates?: number } {
  const members = c.npz!;
  const m = pick(rng, members);
  const zipped = () => writeZip(members.map((x) => ({ name: x.name, data: encodeNpy(x.npy), method: x.method, zip64: x.zip64 })));
  switch (weighted(rng, [[3, 'member'], [4, 'field'], [2, 'name'], [1, 'bomb'], [1, 'members']] as const)) {
    case 'member': {
      recipe.push(`${m.name}: ${mutateNpy(m.npy, rng)}`);
      return { bytes: zipped().bytes };
    }
    case 'field': {
      const { bytes, fields } = zipped();
      const f = pick(rng, fields);
      const x = /method/.test(f.name) ? pick(rng, [1, 9, 12, 14, 99, 0xffff]) : pick(rng, [...EDGE_NUMBERS, 0xffffffff, 0xffff, 2 ** 64 - 1]);
      setField(bytes, f, x);
      recipe.push(`zip field '${f.name}' = ${x}`);
      return { bytes };
    }
    case 'name': {
      const to = pick(rng, ['x', '../x.npy', '\u001b[2Jx.npy', `${'n'.repeat(300)}.npy`, members[0]!.name, '/abs.npy', 'é.npy']);
      recipe.push(`member ${m.name} renamed ${JSON.stringify(to.slice(0, 30))}`);
      m.name = to;
      return { bytes: zipped().bytes };
    }
    case 'members': {
      const n = rng.int(3);
      recipe.push(n === 0 ? 'no members' : n === 1 ? 'one member dropped' : 'a member twice');
      const list = n === 0 ? [] : n === 1 ? [members[0]!] : [...members, members[0]!];
      return { bytes: writeZip(list.map((x) => ({ name: x.name, data: encodeNpy(x.npy), method: x.method, zip64: x.zip64 }))).bytes };
    }
    default: {
      // A small member that inflates to hundreds of MiB: its .npy header claims the matching shape.
      const size = pick(rng, [256, 512]) * 2 ** 20;
      const headerBytes = 10 + npyHeader('<f4', [size / 4]).length;
      const npyHead = encodeNpy({ version: 1, header: npyHeader('<f4', [(size - headerBytes) / 4]), body: new Uint8Array(0) });
      const raw = deflateBomb(npyHead, size);
      recipe.push(`${m.name} replaced by ${raw.length} deflated bytes that inflate to ${size / 2 ** 20} MiB`);
      return { bytes: writeZip(members.map((x) => ({ name: x.name, data: encodeNpy(x.npy), method: 8, zip64: x.zip64, ...(x === m ? { raw: { bytes: raw, size } } : {}) }))).bytes, inflates: size };
    }
  }
}

/** The CSV's text from its cells. */
const csvText = (rows: string[][]): string => `${rows.map((r) => r.join(',')).join('\n')}\n`;

/** The file under test encoded, with 1–3 format-aware or byte-level mutations (or a hazard in its place). */
export function mutateData(c: DataCase, rng: Rng): DataInput {
  const recipe: string[] = [];
  const hazard = rng.next() < 0.06 ? pick(rng, ['fifo', 'directory', 'dev-zero', 'huge-sparse', 'symlink-loop'] as const) : undefined;
  if (hazard) return { bytes: new Uint8Array(0), hazard, ...(c.labels ? { labels: c.labels } : {}), recipe: [`${c.name} replaced by ${hazard}`] };
  let labels = c.labels;
  if (labels && rng.next() < 0.2) {
    const d = rng.next() < 0.5 ? damageBytes(labels.bytes, rng) : resize(labels.bytes, rng);
    labels = { name: labels.name, bytes: d.bytes };
    recipe.push(`labels file: ${d.what}`);
  }
  // Mostly one edit: most edits alone already make a file unreadable, and accepted files reach the GPU.
  const rounds = weighted(rng, [[5, 1], [3, 2], [2, 3]]);
  let bytes: Uint8Array | undefined;
  let inflates: number | undefined;
  for (let k = 0; k < rounds; k++) {
    const byteLevel = rng.next() < 0.2;
    if (byteLevel) {
      bytes ??= encode(c);
      const d = rng.next() < 0.6 ? damageBytes(bytes, rng) : resize(bytes, rng);
      bytes = d.bytes;
      recipe.push(d.what);
      continue;
    }
    switch (c.format) {
      case 'csv': {
        if (bytes || rng.next() < 0.25) {
          const t = mutateCsvText(bytes ? new TextDecoder().decode(bytes) : csvText(c.csv!), rng);
          bytes = new TextEncoder().encode(t.text);
          recipe.push(t.what);
        } else recipe.push(mutateCsv(c.csv!, rng));
        break;
      }
      case 'npy': {
        if (bytes || rng.next() < 0.2) {
          bytes ??= encodeNpy(c.npy!);
          recipe.push(npyFieldEdit(bytes, rng));
        } else recipe.push(mutateNpy(c.npy!, rng));
        break;
      }
      case 'idx': bytes ??= encodeIdx(c.idx!); recipe.push(mutateIdxHeader(bytes, rng)); break;
      case 'npz': {
        if (!bytes) ({ bytes, inflates } = mutateNpz(c, rng, recipe));
        else {
          const d = damageBytes(bytes, rng);
          bytes = d.bytes;
          recipe.push(d.what);
        }
        break;
      }
      default: {
        const t = mutateSafetensors(bytes ?? c.bytes!, rng);
        bytes = t.bytes;
        recipe.push(t.what);
      }
    }
  }
  return { bytes: bytes ?? encode(c), ...(labels ? { labels } : {}), recipe, ...(inflates ? { inflates } : {}) };
}

/** The case's file, unmutated. */
export function encode(c: DataCase): Uint8Array {
  switch (c.format) {
    case 'csv': return new TextEncoder().encode(csvText(c.csv!));
    case 'npy': return encodeNpy(c.npy!);
    case 'idx': return encodeIdx(c.idx!);
    case 'npz': return writeZip(c.npz!.map((x) => ({ name: x.name, data: encodeNpy(x.npy), method: x.method, zip64: x.zip64 }))).bytes;
    default: return c.bytes!;
  }
}
