// Mutations of a compiled artifact: manifest fields (edge numbers, wrong types, missing and extra
// fields, huge lists, deep nesting, workgroup counts), manifest text, kernel text (byte damage,
// truncation, endless and long loops, huge workgroup sizes; digests updated or not), and the folder
// layout (missing or extra files, a folder or FIFO or huge file in place of a file, symlinks that
// leave the folder).
import { createHash } from 'node:crypto';
import type { Artifact } from '../compiler/artifact.ts';
import type { Rng } from '../runtime/random.ts';
import { damageBytes, EDGE_NUMBERS, jsonPaths, mutateJson, mutateJsonText, pick, resize, weighted } from './fuzz-mutate.ts';

/** Changes to the folder after it is written. */
export type LayoutEdit =
  | 'missing-kernel' | 'extra-files' | 'kernel-is-folder' | 'kernels-is-file' | 'manifest-missing' | 'manifest-is-folder'
  | 'kernel-link-outside' | 'manifest-link-outside' | 'kernels-link-outside'
  | 'manifest-fifo' | 'manifest-huge' | 'manifest-dev-zero' | 'kernel-fifo' | 'kernel-dev-zero';

/** Layout edits that make the loader read through a symlink leaving the folder: loading must refuse them. */
export const LEAVES_FOLDER: readonly LayoutEdit[] = ['kernel-link-outside', 'manifest-link-outside', 'kernels-link-outside'];

/** A mutated artifact, ready to write. */
export interface ArtifactInput {
  manifestText: string;
  shaders: Record<string, string | Uint8Array>;
  layout: { edit: LayoutEdit; file?: string }[];
  recipe: string[];
}

type Obj = Record<string, unknown>;

/** An endless loop on a workgroup atomic (a side effect, so the shader compiler cannot drop it). */
const SPIN = 'var<workgroup> fz_spin: atomic<u32>;\n';
const LOOPS = [
  // Tint refuses a loop without an exit, so this one has an exit the atomic never reaches.
  { what: 'an endless loop', body: 'loop { if (atomicAdd(&fz_spin, 0u) == 0xffffffffu) { break; } }' },
  { what: 'a loop of 2^32 atomic adds', body: 'loop { if (atomicAdd(&fz_spin, 1u) == 0xffffffffu) { break; } }' },
  { what: 'a loop of 10^8 atomic adds per invocation', body: 'for (var fz = 0u; fz < 100000000u; fz = fz + 1u) { atomicAdd(&fz_spin, 1u); }' },
];

/** One edit of a kernel's WGSL text. */
function mutateKernelText(text: string, rng: Rng, others: string[]): { text: string | Uint8Array; what: string } {
  const main = /fn main\([^)]*\)[^{]*\{/.exec(text);
  switch (rng.int(9)) {
    case 0: { const d = damageBytes(new TextEncoder().encode(text), rng); return { text: d.bytes, what: d.what }; }
    case 1: { const d = resize(new TextEncoder().encode(text), rng); return { text: d.bytes, what: d.what }; }
    case 2: case 3: {
      if (!main) return { text, what: 'no main to loop in' };
      const loop = pick(rng, LOOPS);
      const at = main.index + main[0].length;
      return { text: SPIN + text.slice(0, at) + `\n  ${loop.body}\n` + text.slice(at), what: loop.what };
    }
    case 4: {
      const size = pick(rng, ['1024, 1024, 64', '0', '65536', '256, 256', '4294967295']);
      return { text: text.replace(/@workgroup_size\([^)]*\)/, `@workgroup_size(${size})`), what: `workgroup size (${size})` };
    }
    case 5: return { text: pick(rng, others), what: 'text of another kernel' };
    case 6: return { text: text.replace('fn main(', 'fn mian('), what: 'entry point renamed' };
    case 7: return { text: text.replace(/var<storage, read>/, 'var<storage, read_write>'), what: 'a read binding made read_write' };
    default: return { text: pick(rng, ['', '}', '\u0000', '\u001b[2J'.repeat(3)]), what: 'text replaced by junk' };
  }
}

/**
 * The manifest as dlc writes it (indented), or compact where indenting passes the longest string
 * V8 makes: a big list nested 1,000 deep indents each of its lines by up to 2,000 spaces.
 */
function prettyOrCompact(m: Obj): string {
  try {
    return JSON.stringify(m, null, 2);
  } catch (err) {
    if (err instanceof RangeError) return JSON.stringify(m);
    throw err;
  }
}

/** Sets every 64-hex field of the kernels using `shader` to the digest of `text` (the manifest's own digest, if it has one). */
function updateDigests(m: Obj, shader: string, text: string | Uint8Array): boolean {
  let updated = false;
  for (const k of (m.kernels as Obj[] | undefined) ?? []) {
    if (k?.shader !== shader) continue;
    for (const [field, v] of Object.entries(k)) {
      if (typeof v === 'string' && /^[0-9a-f]{64}$/i.test(v)) {
        k[field] = createHash('sha256').update(text).digest('hex');
        updated = true;
      }
    }
  }
  return updated;
}

/** One targeted edit of the manifest: a workgroup count, a number, a shader name, a program's kernel list. */
function mutateManifestField(m: Obj, rng: Rng): string {
  const kernels = (m.kernels as Obj[]) ?? [];
  // An earlier mutation may have left an object (no length) where the list was.
  const i = rng.int(Math.max(1, Number.isInteger(kernels.length) ? kernels.length : 0));
  switch (rng.int(5)) {
    case 0: {
      const wg = pick(rng, [[65535, 65535, 65535], [65535, 65535, 1], [65535, 1, 1], [65536, 1, 1], [0, 1, 1], [1, 1], [1, 1, 1, 1], [2 ** 31, 1, 1], [-1, 1, 1], [1.5, 1, 1], ['1', 1, 1], [4096, 4096, 1]]);
      // An earlier mutation may have left a number or string where a kernel was: only an object takes a field.
      if (typeof kernels[i] === 'object' && kernels[i] !== null) kernels[i]!.workgroups = wg;
      return `kernels[${i}].workgroups = ${JSON.stringify(wg)}`;
    }
    case 1: {
      const paths = jsonPaths(m).filter((p) => {
        let v: unknown = m;
        for (const k of p) v = (v as Obj)[k as string];
        return typeof v === 'number';
      });
      if (!paths.length) return 'no number to change';
      const p = pick(rng, paths);
      let parent: unknown = m;
      for (const k of p.slice(0, -1)) parent = (parent as Obj)[k as string];
      const x = pick(rng, EDGE_NUMBERS);
      (parent as Obj)[p[p.length - 1] as string] = x;
      return `${p.join('.')} = ${x}`;
    }
    case 2: {
      const name = pick(rng, ['../manifest.json', '../../outside.wgsl', '/etc/passwd', 'a/b.wgsl', '.wgsl', '..wgsl', `x${'\u001b[2J'}.wgsl`, 'CON.wgsl', `${'k'.repeat(300)}.wgsl`, 'manifest.json']);
      if (typeof kernels[i] === 'object' && kernels[i] !== null) kernels[i]!.shader = name;
      return `kernels[${i}].shader = ${JSON.stringify(name)}`;
    }
    case 3: {
      const prog = pick(rng, ['train_step', 'eval', 'forward']);
      const p = (m.programs as Obj | undefined)?.[prog] as Obj | undefined;
      const list = pick(rng, [Array.from({ length: 100_000 }, () => 0), [], [kernels.length], [-1], Array.from({ length: 1000 }, (_, j) => j % Math.max(1, kernels.length))]);
      if (p) p.kernels = list;
      return `programs.${prog}.kernels = ${list.length} entries`;
    }
    default: {
      const buffers = (m.buffers as Obj[]) ?? [];
      const b = rng.int(Math.max(1, buffers.length));
      const size = pick(rng, [4, 2 ** 31, 2 ** 31 - 252, 2 ** 30, 256]);
      if (buffers[b]) buffers[b]!.size = size;
      return `buffers[${b}].size = ${size}`;
    }
  }
}

const LAYOUT: readonly (readonly [number, LayoutEdit])[] = [
  [3, 'missing-kernel'], [3, 'extra-files'], [2, 'kernel-is-folder'], [1, 'kernels-is-file'], [1, 'manifest-missing'], [1, 'manifest-is-folder'],
  [3, 'kernel-link-outside'], [2, 'manifest-link-outside'], [2, 'kernels-link-outside'],
  [1, 'manifest-fifo'], [1, 'manifest-huge'], [1, 'manifest-dev-zero'], [1, 'kernel-fifo'], [1, 'kernel-dev-zero'],
];

/** A mutated copy of `a`: 1–3 edits of the manifest, kernel texts or the folder layout. */
export function mutateArtifact(a: Artifact, rng: Rng): ArtifactInput {
  const m = structuredClone(a.manifest) as unknown as Obj;
  const shaders: ArtifactInput['shaders'] = { ...a.shaders };
  const files = Object.keys(a.shaders);
  const layout: ArtifactInput['layout'] = [];
  const recipe: string[] = [];
  const textEdits: ((t: string) => { text: string; what: string })[] = [];
  const rounds = 1 + rng.int(3);
  for (let k = 0; k < rounds; k++) {
    switch (weighted(rng, [[4, 'field'], [3, 'json'], [1, 'text'], [4, 'kernel'], [3, 'layout']] as const)) {
      case 'field': recipe.push(mutateManifestField(m, rng)); break;
      case 'json': recipe.push(mutateJson(m, rng)); break;
      case 'text': textEdits.push((t) => mutateJsonText(t, rng)); break;
      case 'kernel': {
        const file = pick(rng, files);
        const before = shaders[file]!;
        const r = mutateKernelText(typeof before === 'string' ? before : new TextDecoder().decode(before), rng, files.map((f) => a.shaders[f]!));
        shaders[file] = r.text;
        const digest = rng.next() < 0.5 && updateDigests(m, file, r.text);
        recipe.push(`kernels/${file}: ${r.what}${digest ? ' (digest updated)' : ''}`);
        break;
      }
      default: {
        const edit = weighted(rng, LAYOUT);
        const file = pick(rng, files);
        layout.push({ edit, file });
        recipe.push(`layout: ${edit}${edit.startsWith('kernel-') || edit === 'missing-kernel' ? ` (${file})` : ''}`);
      }
    }
  }
  let manifestText = prettyOrCompact(m);
  for (const edit of textEdits) {
    const r = edit(manifestText);
    manifestText = r.text;
    recipe.push(`manifest text: ${r.what}`);
  }
  return { manifestText, shaders, layout, recipe };
}
