// Which layers magnitude pruning prunes: `magnitude(…, layers: [dense_1])` prunes only those (as
// TF-MOT's prune_low_magnitude wrapped around chosen layers), `skip: [conv2d_1]` all but those.
// Names are resolved as the freeze list's: final layer names, or a model-level binding's layers.
import type { Arg } from '../../dsl/ast.ts';
import type { Span } from '../../dsl/diagnostics.ts';
import { isPrunedWeight } from '../passes/prune-masks.ts';
import type { Lowering } from './scope.ts';

/** The layer selection of a prune setting: `layers` (only these) or `skip` (all but these). */
export interface PruneLayers {
  mode: 'layers' | 'skip';
  names: { name: string; span: Span }[];
}

export const PRUNE_LAYER_ARGS: readonly string[] = ['layers', 'skip'];

type Fail = (code: string, msg: string, span: Span) => void;

/** Reads magnitude's `layers:` or `skip:` argument (a list of names; not both); undefined when neither is written. */
export function readPruneLayers(args: readonly Arg[], fail: Fail): PruneLayers | undefined {
  let out: PruneLayers | undefined;
  for (const a of args) {
    if (a.name === undefined || !PRUNE_LAYER_ARGS.includes(a.name)) continue;
    const mode = a.name as PruneLayers['mode'];
    if (out) {
      fail(out.mode === mode ? 'E-DUPLICATE' : 'E-CONFLICT', out.mode === mode ? `argument '${mode}' of magnitude is given twice` : `magnitude takes 'layers' (the layers to prune) or 'skip' (the layers to leave dense), not both`, a.nameSpan ?? a.span);
      continue;
    }
    const items = a.value.kind === 'list' ? a.value.items : [a.value];
    const names: PruneLayers['names'] = [];
    for (const it of items) {
      const name = it.kind === 'ident' ? it.name : it.kind === 'str' ? it.value : undefined;
      if (name === undefined) { fail('E-TYPE', `argument '${mode}' of magnitude: expected layer names, e.g. ${mode}: [conv2d_1]`, it.span); continue; }
      if (names.some((n) => n.name === name)) { fail('E-DUPLICATE', `argument '${mode}' of magnitude names '${name}' twice`, it.span); continue; }
      names.push({ name, span: it.span });
    }
    if (items.length === 0) fail('E-TYPE', `argument '${mode}' of magnitude: expected at least one layer name, e.g. ${mode}: [conv2d_1]`, a.value.span);
    out = { mode, names };
  }
  return out;
}

/**
 * Checks each name against the model's layers with weights (or bindings that made some) and that it
 * has a weight pruning prunes, then marks the parameters the selection leaves dense: compile's
 * prunedTensors leaves them out, so their masks stay ones.
 */
export function markUnpruned(L: Lowering, sel: PruneLayers): void {
  const prunable = new Set(L.graph.params.filter((p) => isPrunedWeight(L.graph.value(p.value).name)).map((p) => p.layer));
  const chosen = new Set<string>();
  for (const { name, span } of sel.names) {
    const layers = L.weightedLayers.has(name) ? [name] : L.layerGroups.get(name);
    if (!layers) {
      const known = (): string[] => [...L.weightedLayers.keys(), ...L.layerGroups.keys()];
      L.error('E-UNDEFINED', `${sel.mode} names '${name}', which is no layer with weights${L.didYouMean(name, known)} (layers: ${[...L.weightedLayers.keys()].join(', ') || 'none'})`, span);
      continue;
    }
    if (!layers.some((l) => prunable.has(l))) {
      L.error('E-TYPE', `${sel.mode} names '${name}', which has no weight that pruning prunes (dense and conv kernels; layers that have one: ${[...prunable].join(', ') || 'none'})`, span);
      continue;
    }
    for (const l of layers) chosen.add(l);
  }
  for (const p of L.graph.params) if (chosen.has(p.layer) === (sel.mode === 'skip')) p.unpruned = true;
}
