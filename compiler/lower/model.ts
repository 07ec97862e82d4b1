// Lowers a `model` declaration (inputs, assignments, outputs) into graph values for one mode.
import type { InputDecl, ModelDecl } from '../../dsl/ast.ts';
import { didYouMean, type Span } from '../../dsl/diagnostics.ts';
import type { ValueId } from '../ir/types.ts';
import { ExprLowerer } from './expr.ts';
import { Scope, type Lowering } from './scope.ts';
import type { Val } from './values.ts';

const DTYPES = ['f32', 'class', 'tokens'];

export interface LoweredModel {
  scope: Scope;
  outputs: { name: string; value: ValueId; span: Span }[];
}

/** Lowers the model in the Lowering's current mode (training or eval); undefined on errors. */
export function lowerModel(L: Lowering, model: ModelDecl): LoweredModel | undefined {
  const scope = new Scope();
  const ex = new ExprLowerer(L);
  const outputs: LoweredModel['outputs'] = [];
  let failed = false;
  for (const st of model.body) {
    if (st.kind === 'input') {
      if (scope.has(st.name)) {
        L.error('E-DUPLICATE', `'${st.name}' is already defined (line ${scope.lookup(st.name)!.span.line}); names are assigned once`, st.nameSpan);
        failed = true;
        continue;
      }
      const id = input(L, st);
      if (id === undefined) {
        // Reported already; uses of the input stay silent instead of saying it is undefined.
        scope.define(st.name, { kind: 'failed', span: st.nameSpan }, st.nameSpan);
        failed = true;
        continue;
      }
      scope.define(st.name, { kind: 'tensor', id, span: st.nameSpan }, st.nameSpan);
    } else if (st.kind === 'assign') {
      if (!ex.assign(st, scope)) failed = true;
    } else {
      for (const o of st.names) {
        // Not found: a layer name or an undefined one, which tensor() tells apart. A bare name an assignment
        // stored (`y = relu`) is shown where it was written; another constant (`k = 3`) at the output line.
        const found = scope.lookup(o.name)?.val;
        const val: Val = !found ? { kind: 'name', value: o.name, span: o.span } : found.kind === 'name' ? found : { ...found, span: o.span };
        const id = ex.tensor(val, scope, `output '${o.name}' to be a tensor`);
        if (id === undefined) { failed = true; continue; }
        outputs.push({ name: o.name, value: id, span: o.span });
      }
    }
  }
  if (!failed && outputs.length === 0) {
    L.error('E-NO-OUTPUT', `model '${model.name}' has no output; add a line such as 'output logits'`, model.nameSpan);
    failed = true;
  }
  return failed ? undefined : { scope, outputs };
}

/**
 * The input's value as the model reads it. Declared `layout: channels_last`, the data arrives as
 * Keras' default NHWC (or [length, channels] for a sequence of conv1d) and is transposed right at the
 * input into dlc's channels-first layout, one kernel per program.
 */
function input(L: Lowering, st: InputDecl): ValueId | undefined {
  const id = declaredInput(L, st.name, st.dtype, st.dims, st.dtypeSpan);
  if (id === undefined || !st.layout) return id;
  const { name, nameSpan, value, valueSpan } = st.layout;
  if (name !== 'layout') return L.error('E-UNKNOWN-ARG', `unknown input option '${name}'${didYouMean(name, ['layout'])} (an input takes 'layout: channels_last')`, nameSpan);
  if (!LAYOUTS.includes(value)) return L.error('E-UNKNOWN-ARG', `unknown layout '${value}'${didYouMean(value, LAYOUTS)} (channels_last: Keras' default NHWC; channels_first: dlc's own, the default)`, valueSpan);
  if (value === 'channels_first') return id;
  if (st.dtype !== 'f32' || st.dims.length < 2 || st.dims.length > 3) {
    return L.error('E-TYPE', `layout: channels_last takes an image f32[height, width, channels] or a sequence f32[length, channels]; '${st.name}' is ${st.dtype}[${st.dims.join(', ')}]`, valueSpan);
  }
  const perm = st.dims.length === 3 ? [0, 3, 1, 2] : [0, 2, 1];
  return L.graph.add('transpose', [id], { perm }, { phase: L.training ? 'forward' : 'eval', span: st.span, layer: `${st.name} (channels_last)` });
}

const LAYOUTS = ['channels_last', 'channels_first'];

function declaredInput(L: Lowering, name: string, dtype: string, dims: number[], span: Span): ValueId | undefined {
  const have = L.inputsByName.get(name);
  if (have !== undefined) return have;
  if (!DTYPES.includes(dtype)) {
    return L.error('E-TYPE', `unknown input type '${dtype}'${didYouMean(dtype, DTYPES)} (f32[dims] for values, class[n] for class labels, tokens[vocab, length] for token ids)`, span);
  }
  if (dims.length === 0 || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
    return L.error('E-TYPE', `input '${name}' needs positive dimensions, e.g. ${dtype}[10]`, span);
  }
  let id: ValueId;
  if (dtype === 'class') {
    if (dims.length !== 1 || dims[0]! < 2) return L.error('E-TYPE', `class labels take one dimension, the number of classes (at least 2), e.g. class[10]`, span);
    id = L.graph.addInput(name, 'i32', [L.batch], dims[0]!);
    L.classCount.set(id, dims[0]!);
  } else if (dtype === 'tokens') {
    // Ids 0 (padding) and 1 (out of vocabulary) are part of the vocabulary, so a useful one has 3.
    if (dims.length !== 2 || dims[0]! < 3) {
      return L.error('E-TYPE', `token inputs take two dimensions, the vocabulary size (at least 3: id 0 pads, id 1 is out of vocabulary) and the sequence length, e.g. tokens[10000, 200]; got tokens[${dims.join(', ')}]`, span);
    }
    id = L.graph.addInput(name, 'i32', [L.batch, dims[1]!], undefined, dims[0]!);
    L.vocabSize.set(id, dims[0]!);
  } else {
    id = L.graph.addInput(name, 'f32', [L.batch, ...dims]);
  }
  L.inputsByName.set(name, id);
  return id;
}
