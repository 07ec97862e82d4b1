// Deterministic text form of the IR: what `dlc compile --dump-ir` prints and the goldens hold.
import type { Graph } from './graph.ts';
import { shapeStr } from './tensor.ts';
import type { AttrValue } from './types.ts';

function attr(v: AttrValue): string {
  return Array.isArray(v) ? `[${v.join(',')}]` : String(v);
}

export function printGraph(g: Graph): string {
  const val = (id: number): string => `%${id}`;
  const lines: string[] = [];
  for (const i of g.inputs) lines.push(`input ${val(i.value)} ${i.name}: ${g.value(i.value).dtype}${shapeStr(g.value(i.value).shape)}`);
  for (const p of g.params) lines.push(`param ${val(p.value)} ${g.value(p.value).name}: f32${shapeStr(g.value(p.value).shape)} init=${p.init.kind}`);
  for (const s of g.state) lines.push(`state ${val(s.value)} ${g.value(s.value).name}: f32${shapeStr(g.value(s.value).shape)} init=${s.init.kind}`);
  for (const [name, prog] of Object.entries(g.programs)) {
    lines.push(`program ${name} {`);
    for (const id of prog.nodes) {
      const n = g.nodes[id]!;
      const attrs = Object.keys(n.attrs).sort().map((k) => `${k}=${attr(n.attrs[k]!)}`).join(' ');
      const lhs = n.output === null ? '' : `${val(n.output)}: ${g.value(n.output).dtype}${shapeStr(g.value(n.output).shape)} = `;
      lines.push(`  ${lhs}${n.op}(${n.inputs.map(val).join(', ')})${attrs ? ` {${attrs}}` : ''}  # ${n.phase}${n.layer ? ` ${n.layer}` : ''}`);
    }
    lines.push(`  outputs ${prog.outputs.map((o) => `${o.name}=${val(o.value)}`).join(', ')}`);
    lines.push('}');
  }
  return lines.join('\n');
}
