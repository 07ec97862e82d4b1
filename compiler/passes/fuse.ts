// Fusion pass: element-wise chains become one `fused` kernel, and an element-wise consumer of a
// matmul, conv2d or maxpool2d_bwd becomes that kernel's store epilogue (`matmul_chain`, ...). Values inside a group never reach
// memory. A value is kept inside a group only when the group's one node reads it, no program
// outputs it and it has the group's shape (so the flat index, which dropout's mask uses, agrees).
// A group stops growing where its kernel would bind more storage buffers than every device allows
// (MAX_STORAGE_BUFFERS): a long sum (clip norms, penalties, many branches) becomes a run of
// kernels, each adding its share to the one before.
import type { Graph } from '../ir/graph.ts';
import { EPILOGUE_HOSTS, type ChainStep } from '../ir/ops/fused.ts';
import { opDef } from '../ir/ops/index.ts';
import { MAX_STORAGE_BUFFERS } from '../ir/kernel-spec.ts';
import { sameShape } from '../ir/tensor.ts';
import type { Node, ValueId } from '../ir/types.ts';
import { programOrder } from '../programs.ts';

export interface FuseOptions {
  /** Element-wise chains into one kernel (default on). */
  elementwise?: boolean;
  /** Element-wise consumers into the matmul that feeds them (default on). */
  epilogues?: boolean;
  /** Softmax cross-entropy, its gradient and the metric sums in one kernel (default on). */
  lossHead?: boolean;
}

/** A chain under construction: args name graph values (sources) or earlier steps. */
type Ref = { src: ValueId } | { step: number };
interface Chain {
  members: number[];
  steps: { op: string; args: Ref[]; attrs: ChainStep['attrs'] }[];
}

/** Every node that reads each value, over all programs, and the values programs output. */
function uses(g: Graph): { consumers: Map<ValueId, Set<number>>; outputs: Set<ValueId>; live: number[] } {
  const live = programOrder(g);
  const consumers = new Map<ValueId, Set<number>>();
  for (const id of live) {
    for (const v of g.nodes[id]!.inputs) {
      if (!consumers.has(v)) consumers.set(v, new Set());
      consumers.get(v)!.add(id);
    }
  }
  const outputs = new Set(Object.values(g.programs).flatMap((p) => p.outputs.map((o) => o.value)));
  return { consumers, outputs, live };
}

const isChainable = (n: Node): boolean => opDef(n.op).kind === 'elementwise' && n.op !== 'fused';

/** Numbers a chain's refs: sources first (in order of first use), then steps. */
function encode(c: Chain): { sources: ValueId[]; steps: ChainStep[] } {
  const sourceIndex = new Map<ValueId, number>();
  for (const s of c.steps) for (const a of s.args) if ('src' in a && !sourceIndex.has(a.src)) sourceIndex.set(a.src, sourceIndex.size);
  const index = (a: Ref): number => ('src' in a ? sourceIndex.get(a.src)! : sourceIndex.size + a.step);
  return { sources: [...sourceIndex.keys()], steps: c.steps.map((s) => ({ op: s.op, args: s.args.map(index), attrs: s.attrs })) };
}

/**
 * Grows the chain rooted at `root` in post-order (the root last, where the fused node will run),
 * inlining each input `inlinable` accepts while the kernel stays within `budget` storage bindings
 * (its sources and its output); a producer left out for the budget goes to `refused` and roots a
 * chain of its own. An explicit stack, not recursion: an element-wise chain may be thousands of
 * nodes long.
 */
function growChain(g: Graph, root: Node, inlinable: (v: ValueId, reader: Node) => boolean, budget: number, refused: Set<number>): Chain {
  const chain: Chain = { members: [], steps: [] };
  const memo = new Map<ValueId, Ref>();
  const stack: { node: Node; args: Ref[] }[] = [{ node: root, args: [] }];
  // The chain ends with at most `sources + pending` sources: each input not yet visited becomes at
  // most one source, or an inlined producer whose own inputs are then counted in its place.
  let sources = 0;
  let pending = root.inputs.length;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.args.length < top.node.inputs.length) {
      const v = top.node.inputs[top.args.length]!;
      const have = memo.get(v);
      const producer = have || !inlinable(v, top.node) ? undefined : g.nodes[g.producer.get(v)!]!;
      const fits = producer !== undefined && sources + pending - 1 + producer.inputs.length + 1 <= budget;
      if (producer && !fits) refused.add(producer.id);
      pending--;
      if (have) top.args.push(have);
      else if (producer && fits) {
        stack.push({ node: producer, args: [] });
        pending += producer.inputs.length;
      } else {
        const ref: Ref = { src: v };
        memo.set(v, ref);
        top.args.push(ref);
        sources++;
      }
      continue;
    }
    stack.pop();
    chain.members.push(top.node.id);
    chain.steps.push({ op: top.node.op, args: top.args, attrs: top.node.attrs });
    const reader = stack[stack.length - 1];
    if (reader) {
      const ref: Ref = { step: chain.steps.length - 1 };
      memo.set(reader.node.inputs[reader.args.length]!, ref);
      reader.args.push(ref);
    }
  }
  return chain;
}

export function fuse(g: Graph, opts: FuseOptions = {}): void {
  const { consumers, outputs, live } = uses(g);
  const single = (v: ValueId, reader: number): boolean => !outputs.has(v) && consumers.get(v)?.size === 1 && consumers.get(v)!.has(reader);

  // 1. Element-wise chains: grow each group from its root (a node whose value must be stored).
  const chains: Chain[] = [];
  if (opts.elementwise !== false) {
    const inlinable = (v: ValueId, reader: Node): boolean => {
      const p = g.producer.get(v);
      if (p === undefined || !isChainable(g.nodes[p]!) || !isChainable(reader)) return false;
      return single(v, reader.id) && sameShape(g.value(v).shape, g.value(reader.output!).shape);
    };
    const isRoot = (n: Node): boolean => {
      const readers = consumers.get(n.output!);
      if (!readers || readers.size !== 1) return true;
      return !inlinable(n.output!, g.nodes[[...readers][0]!]!);
    };
    // From the last node back, so a producer a chain refuses for the binding budget is grown as a
    // root of its own when the walk reaches it; then in program order again.
    const refused = new Set<number>();
    for (const id of [...live].reverse()) {
      const root = g.nodes[id]!;
      if (!isChainable(root) || !(isRoot(root) || refused.has(id))) continue;
      chains.push(growChain(g, root, inlinable, MAX_STORAGE_BUFFERS, refused));
    }
    chains.reverse();
  }
  // Single nodes stay as they are unless an epilogue takes them.
  const asChain = (n: Node): Chain => ({ members: [n.id], steps: [{ op: n.op, args: n.inputs.map((v) => ({ src: v })), attrs: n.attrs }] });
  if (opts.elementwise === false) for (const id of live) if (isChainable(g.nodes[id]!)) chains.push(asChain(g.nodes[id]!));

  for (const chain of chains) {
    const root = g.nodes[chain.members[chain.members.length - 1]!]!;
    const members = new Set(chain.members);
    const { sources, steps } = encode(chain);
    // 2. Epilogue: a source made by a host kernel (matmul, conv2d, maxpool2d_bwd) that only this
    // chain reads, of the chain's shape.
    const mm = opts.epilogues === false ? undefined : sources.find((v) => {
      const p = g.producer.get(v);
      const host = p === undefined ? undefined : EPILOGUE_HOSTS[g.nodes[p]!.op];
      if (!host || steps.length > host.maxSteps || outputs.has(v)) return false;
      const readers = consumers.get(v)!;
      return [...readers].every((r) => members.has(r)) && sameShape(g.value(v).shape, g.value(root.output!).shape);
    });
    const host = mm === undefined ? undefined : g.nodes[g.producer.get(mm)!]!;
    const rest = sources.filter((v) => v !== mm);
    if (host && host.inputs.length + rest.length + 1 <= MAX_STORAGE_BUFFERS) {
      const m = host;
      // Source order for the epilogue: the accumulator first, then the other sources.
      const position = new Map([mm, ...rest].map((v, k) => [v, k]));
      const remap = (k: number): number => (k < sources.length ? position.get(sources[k]!)! : k);
      const epi = steps.map((s) => ({ ...s, args: s.args.map(remap) }));
      g.replaceNodes([m.id, ...chain.members], EPILOGUE_HOSTS[m.op]!.op, [...m.inputs, ...rest], { ...m.attrs, chain: JSON.stringify(epi) });
    } else if (steps.length > 1 && sources.length > 0) {
      // (A chain reading nothing, fill → dropout as spatial_dropout2d's mask, stays node by node:
      // a fused kernel takes its shape from its inputs.)
      g.replaceNodes(chain.members, 'fused', sources, { shape: [...g.value(root.output!).shape], chain: JSON.stringify(steps) });
    }
  }
}
