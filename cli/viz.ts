// `dlc viz net.dl`: the layer graph as Graphviz DOT (default), Mermaid or SVG, printed or written
// to -o FILE (the format from --format dot|gv|mermaid|mmd|svg or the file's extension: .dot/.gv,
// .mmd/.md, .svg).
import { extname } from 'node:path';
import { layerGraph, toDot, toMermaid, toSvg } from '../compiler/viz.ts';
import { printable } from '../dsl/printable.ts';
import { isStandardStream, writeFileSafely } from '../runtime/write-node.ts';
import { UserError } from './errors.ts';
import { compileFile } from './compile-file.ts';
import type { CliOptions } from './options.ts';
import { inputsOf } from './setup.ts';

type Format = 'dot' | 'mermaid' | 'svg';
/** One table for --format and for -o's extension, so every name one accepts the other does too. */
const FORMAT_NAMES: Record<string, Format> = { dot: 'dot', gv: 'dot', mermaid: 'mermaid', mmd: 'mermaid', svg: 'svg' };
/** Mermaid in a Markdown file is also accepted by extension (.md), not as a format name. */
const formatOfExtension = (path: string): Format | undefined => {
  const ext = extname(path).toLowerCase().slice(1);
  return ext === 'md' ? 'mermaid' : Object.hasOwn(FORMAT_NAMES, ext) ? FORMAT_NAMES[ext] : undefined;
};

/** `dlc viz`: writes the layer graph in the format --format or -o's extension names (default DOT). */
export async function vizCommand(file: string, opts: CliOptions): Promise<void> {
  const fromExt = opts.out ? formatOfExtension(opts.out) : undefined;
  if (opts.out && !opts.format && !fromExt) throw new UserError(`-o ${printable(opts.out)}: name a .dot, .mmd or .svg file, or give --format`);
  if (opts.format !== undefined && !Object.hasOwn(FORMAT_NAMES, opts.format)) {
    throw new UserError(`--format must be one of ${Object.keys(FORMAT_NAMES).join(', ')}, got '${printable(opts.format)}'`);
  }
  const format = opts.format !== undefined ? FORMAT_NAMES[opts.format]! : fromExt ?? 'dot';
  // Fusion merges layers into kernels; the picture shows the layers as written.
  const r = await compileFile(file, opts, { fuse: false });
  const lg = layerGraph(r);
  const text = format === 'svg' ? toSvg(lg) : format === 'mermaid' ? toMermaid(lg) : toDot(lg);
  if (!opts.out) {
    process.stdout.write(text);
    return;
  }
  await writeFileSafely(opts.out, text, { inputs: inputsOf(file, opts) });
  // Written to the command's own output, the picture must not be followed by a status line.
  if (isStandardStream(opts.out)) return;
  process.stdout.write(`wrote ${printable(opts.out)} (${lg.nodes.length} nodes, ${lg.edges.length} edges)\n`);
}
