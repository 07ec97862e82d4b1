// `dlc viz net.dl`: the layer graph as Graphviz DOT (default), Mermaid or SVG, printed or written
// to -o FILE (the format from --format or the file's extension: .dot, .mmd/.md, .svg).
import { extname } from 'node:path';
import { layerGraph, toDot, toMermaid, toSvg } from '../compiler/viz.ts';
import { printable } from '../dsl/printable.ts';
import { isStandardStream, writeFileSafely } from '../runtime/write-node.ts';
import { UserError } from './errors.ts';
import { compileFile } from './main.ts';
import type { CliOptions } from './options.ts';
import { inputsOf } from './setup.ts';

const FORMATS = ['dot', 'mermaid', 'svg'];
const BY_EXTENSION: Record<string, string> = { '.dot': 'dot', '.gv': 'dot', '.mmd': 'mermaid', '.md': 'mermaid', '.svg': 'svg' };

export async function vizCommand(file: string, opts: CliOptions): Promise<void> {
  const fromExt = opts.out ? BY_EXTENSION[extname(opts.out).toLowerCase()] : undefined;
  if (opts.out && !opts.format && !fromExt) throw new UserError(`-o ${printable(opts.out)}: name a .dot, .mmd or .svg file, or give --format`);
  const format = opts.format ?? fromExt ?? 'dot';
  if (!FORMATS.includes(format)) throw new UserError(`--format must be one of ${FORMATS.join(', ')}, got '${printable(format)}'`);
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
