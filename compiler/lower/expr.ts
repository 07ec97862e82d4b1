// Evaluates expressions of the language into graph values: chains, calls, blocks, arithmetic.
import { groupDigits } from '../../dsl/group-digits.ts';
import type { Arg, Assign, BlockDecl, Expr } from '../../dsl/ast.ts';
import { didYouMean, type Span } from '../../dsl/diagnostics.ts';
import { ShapeError } from '../ir/ops/def.ts';
import { numel, shapeStr } from '../ir/tensor.ts';
import type { ValueId } from '../ir/types.ts';
import { ACTIVATION_ARG, ACTIVATIONS, KERAS_ARG_NAMES, LayerError, WRAPPED_ARG, type LayerContext, type LayerDef } from './layers.ts';
import { LAYERS } from './registry.ts';
import { AUGMENT_HINTS } from './layers-augment.ts';
import { bindArgs, didYouMeanOrList, takesText, unknownArgHint, withDefaults, type Callee, type GivenArg, type Report } from './bind-args.ts';
import { readRegularizer } from './regularizer.ts';
import { MAX_MODEL_OPS, Scope, userShape, type Lowering } from './scope.ts';
import { coerce, describeVal, type Hyper, type SharedLayer, type Val } from './values.ts';

/**
 * Lowering evaluates expressions recursively, and a block call evaluates the block's body inside the
 * caller's expression, so nesting must be bounded: deeper programs get a diagnostic, not a stack
 * overflow. One level costs up to three stack frames; a cold (not yet compiled) run overflowed past
 * about 1,000 nested block calls, so these limits keep a margin of two.
 */
export const MAX_BLOCK_DEPTH = 256;
/** See MAX_BLOCK_DEPTH: the bound on expression evaluations in progress, through block calls. */
export const MAX_EVAL_DEPTH = 512;

const ACTIVATION_STAGES = new Set(['relu', 'leaky_relu', 'gelu', 'relu6', 'sigmoid', 'tanh', 'softmax', 'log_softmax']);
const BINARY_OPS = { '+': ['add', 'add'], '-': ['sub', 'subtract'], '*': ['mul', 'multiply'], '/': ['div', 'divide'] } as const;
type BinaryOp = keyof typeof BINARY_OPS;

/** A number operator a number, folded at compile time. */
function foldNumbers(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
  }
}

export class ExprLowerer {
  constructor(private readonly L: Lowering) {}

  private get g() { return this.L.graph; }

  /** Evaluates an expression; undefined when it failed (a diagnostic was recorded). */
  eval(e: Expr, scope: Scope): Val | undefined {
    if (this.L.evalDepth >= MAX_EVAL_DEPTH) {
      // Once is enough: every operand at this depth would say the same.
      if (this.L.tooDeep) return undefined;
      this.L.tooDeep = true;
      return this.L.error('E-TOO-DEEP', `expressions nest deeper than ${MAX_EVAL_DEPTH} levels, counting those in the blocks they call`, e.span);
    }
    this.L.evalDepth++;
    try {
      return this.evaluate(e, scope);
    } finally {
      this.L.evalDepth--;
    }
  }

  private evaluate(e: Expr, scope: Scope): Val | undefined {
    switch (e.kind) {
      case 'num': return { kind: 'num', value: e.value, isInt: e.isInt, span: e.span };
      case 'str': return { kind: 'str', value: e.value, span: e.span };
      case 'bool': return { kind: 'bool', value: e.value, span: e.span };
      case 'list': {
        const items: Val[] = [];
        for (const it of e.items) {
          const v = this.eval(it, scope);
          if (!v) return undefined;
          items.push(v);
        }
        return { kind: 'list', items, span: e.span };
      }
      case 'ident': {
        const found = scope.lookup(e.name);
        if (found) return { ...found.val, span: e.span };
        return { kind: 'name', value: e.name, span: e.span };
      }
      case 'call':
        return this.call(e.callee, e.calleeSpan, e.args, undefined, e.span, scope);
      case 'chain': {
        let cur = this.eval(e.head, scope);
        if (!cur) return undefined;
        const head = this.tensor(cur, scope);
        if (head === undefined) return undefined;
        cur = { kind: 'tensor', id: head, span: e.head.span };
        for (let i = 0; i < e.stages.length; i++) {
          const st = e.stages[i]!;
          const next = e.stages[i + 1];
          const nextName = next?.kind === 'ident' ? next.name : next?.kind === 'call' ? next.callee : undefined;
          const nextAct = nextName && ACTIVATION_STAGES.has(nextName) ? nextName : undefined;
          if (st.kind === 'ident') cur = this.call(st.name, st.span, [], cur, st.span, scope, nextAct);
          else if (st.kind === 'call') cur = this.call(st.callee, st.calleeSpan, st.args, cur, st.span, scope, nextAct);
          else return this.L.error('E-SYNTAX', 'a chain stage must be a layer or block call', st.span);
          if (!cur) return undefined;
        }
        return cur;
      }
      case 'binary':
        return this.binary(e.op, e.left, e.right, e.span, scope);
      case 'neg':
        return this.negate(e.x, e.span, scope);
    }
  }

  /** The tensor a value names, or a diagnostic saying why it is not one. */
  tensor(v: Val, scope: Scope, what = 'a tensor'): ValueId | undefined {
    if (v.kind === 'tensor') return v.id;
    if (v.kind === 'failed') return undefined;
    if (v.kind === 'name') {
      const isLayer = isLayerName(v.value) || this.L.blocks.has(v.value);
      if (isLayer) return this.L.error('E-ARITY', `'${v.value}' is a layer; apply it to an input, e.g. x -> ${v.value} or ${v.value}(x)`, v.span);
      return this.L.error('E-UNDEFINED', `undefined name '${v.value}'${this.L.didYouMean(v.value, () => scope.allNames())}`, v.span);
    }
    if (v.kind === 'layer') {
      const l = v.layer;
      return this.L.error('E-ARITY', `'${l.name}' is a ${l.type} layer (declared at line ${l.declared.line}), not a tensor; apply it to an input, e.g. x -> ${l.name} or ${l.name}(x)`, v.span);
    }
    return this.L.error('E-TYPE', `expected ${what}, got ${describeVal(v)}`, v.span);
  }

  /** `-x`: a number negated at compile time, or a float tensor through `neg`. */
  private negate(xe: Expr, span: Span, scope: Scope): Val | undefined {
    const a = this.eval(xe, scope);
    if (!a || a.kind === 'failed') return undefined;
    if (a.kind === 'num') return { kind: 'num', value: -a.value, isInt: a.isInt, span };
    const x = this.tensor(a, scope);
    if (x === undefined) return undefined;
    if (this.g.value(x).dtype !== 'f32') return this.L.error('E-TYPE', `cannot negate ${this.integers(x)}; '-' needs a float tensor`, span);
    return { kind: 'tensor', id: this.g.add('neg', [x], {}, this.emitAt(span)), span };
  }

  private binary(op: BinaryOp, le: Expr, re: Expr, span: Span, scope: Scope): Val | undefined {
    const a = this.eval(le, scope);
    const b = this.eval(re, scope);
    if (!a || !b || a.kind === 'failed' || b.kind === 'failed') return undefined;
    if (op === '/' && b.kind === 'num' && b.value === 0) return this.L.error('E-TYPE', 'division by zero', b.span);
    if (a.kind === 'num' && b.kind === 'num') {
      const value = foldNumbers(op, a.value, b.value);
      return { kind: 'num', value, isInt: a.isInt && b.isInt && Number.isInteger(value), span };
    }
    if (a.kind === 'num' || b.kind === 'num') return this.withNumber(op, a, b, span, scope);
    const x = this.tensor(a, scope);
    const y = this.tensor(b, scope);
    if (x === undefined || y === undefined) return undefined;
    const [irOp, verb] = BINARY_OPS[op];
    const sx = this.g.value(x).shape;
    const sy = this.g.value(y).shape;
    if (this.g.value(x).dtype !== 'f32' || this.g.value(y).dtype !== 'f32') {
      return this.L.error('E-TYPE', `cannot ${verb} ${this.integers(this.g.value(x).dtype !== 'f32' ? x : y)}; '${op}' needs float tensors`, span);
    }
    try {
      return { kind: 'tensor', id: this.g.add(irOp, [x, y], {}, this.emitAt(span)), span };
    } catch (err) {
      if (!(err instanceof ShapeError)) throw err;
      return this.L.error('E-SHAPE', `cannot ${verb} tensors of shapes ${userShape(sx)} and ${userShape(sy)}: the shapes do not broadcast`, span);
    }
  }

  /**
   * A tensor and a number, either way round, as one element-wise op on the tensor: `x + c` and
   * `c + x` shift, `x - c` shifts by −c, `c - x` shifts −x, `x * c` and `c * x` scale, `x / c`
   * scales by 1/c (within an f32 rounding of x / c), and `c / x` is `rdiv`. The fusion pass folds
   * them into the element-wise chain around them.
   */
  private withNumber(op: BinaryOp, a: Val, b: Val, span: Span, scope: Scope): Val | undefined {
    const numberFirst = a.kind === 'num';
    const [t, k] = numberFirst ? [b, a] : [a, b];
    const x = this.tensor(t, scope);
    if (x === undefined || k.kind !== 'num') return undefined;
    const verb = BINARY_OPS[op][1];
    if (this.g.value(x).dtype !== 'f32') return this.L.error('E-TYPE', `cannot ${verb} ${this.integers(x)}; '${op}' needs float tensors`, span);
    const c = coerce(k, 'float');
    if ('error' in c) return this.L.error('E-TYPE', `the ${numberFirst ? 'left' : 'right'} operand of '${op}': ${c.error}`, k.span);
    const value = k.value;
    const at = this.emitAt(span);
    const add = (opName: string, input: ValueId, attrs: Record<string, number>): Val =>
      ({ kind: 'tensor', id: this.g.add(opName, [input], attrs, at), span });
    switch (op) {
      case '+': return add('shift', x, { offset: value });
      case '-': return numberFirst ? add('shift', this.g.add('neg', [x], {}, at), { offset: value }) : add('shift', x, { offset: -value });
      case '*': return add('scale', x, { factor: value });
      case '/': {
        if (numberFirst) return add('rdiv', x, { numerator: value });
        // 1/c must be an f32 number too (1 / 1e-39 is not).
        if (!Number.isFinite(Math.fround(1 / value))) return this.L.error('E-TYPE', `cannot divide by ${value}: its reciprocal is beyond the range of f32 numbers (±3.4e38)`, k.span);
        return add('scale', x, { factor: 1 / value });
      }
    }
  }

  private emitAt(span: Span, layer?: string) {
    return { phase: this.L.training ? ('forward' as const) : ('eval' as const), span, ...(layer ? { layer } : {}) };
  }

  /** Applies a layer or block; `piped` is the value flowing in from a chain. */
  call(callee: string, calleeSpan: Span, args: Arg[], piped: Val | undefined, span: Span, scope: Scope, nextAct?: string): Val | undefined {
    if (!this.L.blocks.has(callee) && !isLayerName(callee)) {
      // A name bound in scope: a block parameter such as `act: relu` applies that layer; a tensor is no layer.
      const bound = scope.lookup(callee)?.val;
      if (bound?.kind === 'failed') return undefined;
      if (bound?.kind === 'layer') return this.applyShared(bound.layer, args, piped, span, scope, nextAct);
      if (bound?.kind === 'name' && (isLayerName(bound.value) || this.L.blocks.has(bound.value))) callee = bound.value;
      else if (bound) return this.L.error('E-TYPE', `'${callee}' is ${describeVal(bound)}, not a layer`, calleeSpan);
    }
    const block = this.L.blocks.get(callee);
    if (block) return this.callBlock(block, args, piped, span, scope);
    const def = isLayerName(callee) ? LAYERS[callee] : undefined;
    if (!def) {
      const candidates = (): string[] => [...Object.keys(LAYERS), ...this.L.blocks.keys()];
      const hint = Object.hasOwn(AUGMENT_HINTS, callee) ? AUGMENT_HINTS[callee] : undefined;
      if (hint !== undefined) return this.L.error('E-UNKNOWN-LAYER', `unknown layer '${callee}': ${hint}`, calleeSpan);
      return this.L.error('E-UNKNOWN-LAYER', `unknown layer '${callee}'${this.L.didYouMean(callee, candidates)}`, calleeSpan);
    }
    return this.callLayer(callee, def, args, piped, span, scope, nextAct);
  }

  private callLayer(type: string, def: LayerDef, args: Arg[], piped: Val | undefined, span: Span, scope: Scope, nextAct?: string): Val | undefined {
    if (this.tooLarge(type, span)) return undefined;
    const xs: ValueId[] = [];
    if (piped) {
      const x = this.tensor(piped, scope);
      if (x === undefined) return undefined;
      xs.push(x);
    }
    const own = this.layerOptions(type, args);
    if (!own) return undefined;
    const hyper = this.layerArgs(type, def, own.args, xs, def.variadic ? Infinity : def.inputs, span, scope);
    if (!hyper) return undefined;
    const L = this.L;
    const positional = L.layerName(type);
    const name = own.name ?? positional;
    if (L.training && L.weightedLayers.has(name)) return this.nameTaken(name, own.nameSpan ?? span);
    // The layers a model-level binding creates, those of the blocks it calls included, form a group the freeze list may name (freeze = [features]).
    const group = L.training ? L.binding : undefined;
    const frozen = own.trainable === false || L.freeze.has(name) || (group !== undefined && L.freeze.has(group.name));
    const before = L.paramsByName.size;
    const y = this.applyLayer(type, def, xs, hyper, name, span, nextAct, undefined, frozen);
    if (y && L.training && L.paramsByName.size > before) {
      this.claimName(name, span, frozen);
      group?.layers.push(name);
      if (own.name !== undefined && own.name !== positional) L.renamed.set(positional, own.name);
    }
    return y;
  }

  /**
   * A layer call's own options, which every layer takes and none lowers: `name:` (its weights'
   * prefix, instead of the positional dense_2) and `trainable:` (false freezes it, as Keras'
   * layer.trainable = False). The other arguments are returned for the layer's table.
   */
  private layerOptions(type: string, args: Arg[]): { args: Arg[]; name?: string; nameSpan?: Span; trainable?: boolean } | undefined {
    const rest: Arg[] = [];
    const out: { args: Arg[]; name?: string; nameSpan?: Span; trainable?: boolean } = { args: rest };
    for (const a of args) {
      if (a.name === 'name') {
        const v = a.value;
        const text = v.kind === 'str' ? v.value : v.kind === 'ident' ? v.name : undefined;
        if (text === undefined || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(text)) return this.L.error('E-TYPE', `argument 'name' of ${type}: expected a layer name (letters, digits and _, not starting with a digit), e.g. name: "encoder"`, v.span);
        out.name = text;
        out.nameSpan = v.span;
      } else if (a.name === 'trainable') {
        if (a.value.kind !== 'bool') return this.L.error('E-TYPE', `argument 'trainable' of ${type}: expected true or false`, a.value.span);
        out.trainable = a.value.value;
      } else {
        rest.push(a);
      }
    }
    return out;
  }

  private nameTaken(name: string, span: Span): undefined {
    const first = this.L.weightedLayers.get(name)!;
    return this.L.error('E-DUPLICATE', `layer name '${name}' is already taken by the layer at line ${first.line}; layer names are unique (give one a name: argument)`, span);
  }

  /** Records a layer with weights under its final name (training lowering); false when the name is taken. */
  private claimName(name: string, span: Span, frozen: boolean): boolean {
    if (this.L.weightedLayers.has(name)) { this.nameTaken(name, span); return false; }
    this.L.weightedLayers.set(name, span);
    if (frozen) this.L.frozenLayers.add(name);
    return true;
  }

  private tooLarge(type: string, span: Span): boolean {
    if (this.L.tooLarge) return true;
    if (this.g.nodes.length - this.L.modeStart > MAX_MODEL_OPS) {
      this.L.tooLarge = true;
      this.L.error('E-LIMIT', `the model has more than ${groupDigits(MAX_MODEL_OPS)} operations by this ${type} layer; dlc compiles models up to that size`, span);
      return true;
    }
    return false;
  }

  /**
   * A layer call's arguments: the first `most` positional ones are tensor inputs (pushed onto `xs`),
   * the rest bind to the layer's table, defaults filled in; undefined after a diagnostic.
   */
  private layerArgs(type: string, def: LayerDef, args: Arg[], xs: ValueId[], most: number, span: Span, scope: Scope): Record<string, Hyper> | undefined {
    const given: GivenArg[] = [];
    let positionalHypers = 0;
    let ok = true;
    let activationCall: { name: string; args: Record<string, Hyper> } | undefined;
    let mask: ValueId | undefined;
    let wrapped: Record<string, Hyper> | undefined;
    for (const a of args) {
      // `mask: ids`: token ids that travel as one more input after the layer's own (LayerDef.maskArg).
      if (a.name === 'mask' && def.maskArg) {
        if (mask !== undefined) { ok = false; this.L.error('E-DUPLICATE', `argument 'mask' of ${type} is given twice`, a.span); continue; }
        const m = this.maskIds(type, a, most, scope);
        if (m === undefined) { ok = false; continue; }
        mask = m;
        continue;
      }
      const slot = a.name ?? (xs.length >= most ? def.hyper[positionalHypers]?.name : undefined);
      if (a.name === undefined && xs.length >= most) positionalHypers++;
      // `bidirectional(lstm(64))`: the wrapped layer's call is bound against its own table, not applied.
      if (slot === 'layer' && def.wraps) {
        const w = this.wrappedLayer(type, def.wraps, a.value, scope);
        if (!w) { ok = false; continue; }
        wrapped = w.args;
        given.push({ ...(a.name !== undefined ? { name: a.name } : {}), ...(a.nameSpan ? { nameSpan: a.nameSpan } : {}), span: a.span, value: { kind: 'name', value: w.name, span: a.value.span }, valueSpan: a.value.span });
        continue;
      }
      // `activation: leaky_relu(alpha: 0.2)`: an activation with its own arguments, not a layer applied
      // here. The binder sees its name; its arguments travel beside it.
      if (slot === 'activation' && a.value.kind === 'call' && def.hyper.some((h) => h.name === 'activation')) {
        const act = this.activationArgs(type, a.value, scope);
        if (!act) { ok = false; continue; }
        if (!activationCall) activationCall = act;
        given.push({ ...(a.name !== undefined ? { name: a.name } : {}), ...(a.nameSpan ? { nameSpan: a.nameSpan } : {}), span: a.span, value: { kind: 'name', value: act.name, span: a.value.calleeSpan }, valueSpan: a.value.calleeSpan });
        continue;
      }
      // `kernel_regularizer: l2(1e-4)`: the call is read here, not applied as a layer.
      if (slot !== undefined && def.hyper.find((h) => h.name === slot)?.type === 'regularizer') {
        const fail = (code: string, msg: string, at: Span): void => { ok = false; this.L.error(code, msg, at); };
        const r = readRegularizer(a.value, `argument '${slot}' of ${type}`, fail);
        if (!r) { ok = false; continue; }
        const num = (value: number): Val => ({ kind: 'num', value, isInt: false, span: a.value.span });
        given.push({ ...(a.name !== undefined ? { name: a.name } : {}), ...(a.nameSpan ? { nameSpan: a.nameSpan } : {}), span: a.span, value: { kind: 'list', items: [num(r.l1), num(r.l2)], span: a.value.span, regularizer: true }, valueSpan: a.value.span });
        continue;
      }
      const v = this.eval(a.value, scope);
      if (!v || v.kind === 'failed') { ok = false; continue; }
      if (a.name === undefined && xs.length < most) {
        if (def.variadic && v.kind !== 'tensor' && v.kind !== 'name') {
          const named = def.hyper.length ? `, then its arguments by name: ${type}(a, b, c, ${def.hyper[0]!.name}: …)` : `: ${type}(a, b, c)`;
          this.L.error('E-TYPE', `${type} takes any number of input tensors${named}; got ${describeVal(v)} as input ${xs.length + 1}`, a.value.span);
          ok = false;
          continue;
        }
        const x = this.tensor(v, scope, `input tensor ${xs.length + 1} of ${type}`);
        if (x === undefined) { ok = false; continue; }
        xs.push(x);
        continue;
      }
      given.push({ ...(a.name !== undefined ? { name: a.name } : {}), ...(a.nameSpan ? { nameSpan: a.nameSpan } : {}), span: a.span, value: v, valueSpan: a.value.span });
    }
    const report: Report = (code, message, at) => { this.L.error(code, message, at); };
    const tooMany = most === 0 ? `${type} takes ${takesText(def.hyper)}; this is one too many` : `${type} takes ${def.inputs} input${def.inputs === 1 ? '' : 's'} and ${takesText(def.hyper)}; this is one too many`;
    const callee: Callee = { name: type, aliases: KERAS_ARG_NAMES, tooMany };
    const bound = bindArgs(def.hyper, given, callee, report);
    if (!ok || !bound) return undefined;
    // Inputs are counted before a missing argument is named: `dense(10)` alone lacks its input.
    if (most > 0 && !this.enoughInputs(type, def, xs.length, span)) return undefined;
    const hyper = withDefaults(def.hyper, bound, callee, report, span);
    if (!hyper) return undefined;
    if (mask !== undefined) xs.push(mask);
    if (activationCall) for (const [k, val] of Object.entries(activationCall.args)) hyper[`${ACTIVATION_ARG}${k}`] = val;
    if (wrapped) for (const [k, val] of Object.entries(wrapped)) hyper[`${WRAPPED_ARG}${k}`] = val;
    return hyper;
  }

  /**
   * The layer a wrapper's `layer` argument names (`bidirectional(gru(32))`) and its arguments,
   * bound as that layer's own call would bind them; undefined after a diagnostic.
   */
  private wrappedLayer(type: string, wraps: readonly string[], e: Expr, scope: Scope): { name: string; args: Record<string, Hyper> } | undefined {
    const name = e.kind === 'call' ? e.callee : e.kind === 'ident' ? e.name : undefined;
    const list = wraps.length > 1 ? `${wraps.slice(0, -1).join(', ')} or ${wraps.at(-1)}` : wraps[0]!;
    if (name === undefined || !wraps.includes(name)) {
      const bound = e.kind === 'ident' ? scope.lookup(e.name)?.val : undefined;
      const got = bound ? `'${name}', ${describeVal(bound)}` : name !== undefined && isLayerName(name) ? `${name}, which is not a recurrent layer` : name !== undefined ? `'${name}'` : 'a value';
      return this.L.error('E-TYPE', `${type} wraps a recurrent layer (${list}), e.g. ${type}(${wraps[0]}(64)); got ${got}`, e.kind === 'call' ? e.calleeSpan : e.span);
    }
    const own = this.layerOptions(name, e.kind === 'call' ? e.args : []);
    if (!own) return undefined;
    if (own.name !== undefined || own.trainable !== undefined) {
      return this.L.error('E-TYPE', `give name: and trainable: to ${type}, not to the ${name} it wraps: its weights are named <${type} name>.forward_* and .backward_*`, e.span);
    }
    const args = this.layerArgs(name, LAYERS[name]!, own.args, [], 0, e.span, scope);
    return args ? { name, args } : undefined;
  }

  /** The token ids of a layer's `mask:` argument; undefined after a diagnostic. */
  private maskIds(type: string, a: Arg, most: number, scope: Scope): ValueId | undefined {
    if (most === 0) {
      return this.L.error('E-TYPE', `a declared ${type} layer takes no mask: pass mask: where the layer is applied, ${type}(x, …, mask: ids)`, a.nameSpan ?? a.span);
    }
    const v = this.eval(a.value, scope);
    if (!v || v.kind === 'failed') return undefined;
    const ids = this.tensor(v, scope, `token ids for argument 'mask' of ${type}`);
    if (ids === undefined) return undefined;
    if (!this.L.vocabSize.has(ids)) {
      const got = this.g.value(ids).dtype === 'f32' ? `a float tensor of shape ${userShape(this.g.value(ids).shape)}` : `class labels '${this.g.value(ids).name}'`;
      return this.L.error('E-TYPE', `argument 'mask' of ${type} needs token ids (an input declared tokens[vocab, length]; id 0 is padding), got ${got}`, a.value.span);
    }
    return ids;
  }

  /** What an integer tensor holds, for messages: token ids or class labels. */
  private integers(x: ValueId): string {
    return this.L.vocabSize.has(x) ? `token ids '${this.g.value(x).name}'` : 'class labels';
  }

  /** Whether a layer got its tensor inputs; a diagnostic when not. */
  private enoughInputs(type: string, def: LayerDef, n: number, span: Span): boolean {
    if (n < def.inputs && def.variadic) {
      this.L.error('E-ARITY', `${type} needs at least ${def.inputs} input tensors, got ${n}: write ${type}(a, b), ${type}(a, b, c), …, or a -> ${type}(b, …) in a chain`, span);
      return false;
    }
    if (n < def.inputs) {
      const how = def.inputs === 1 ? `use it in a chain (x -> ${type}(...)) or pass the input first (${type}(x, ...))` : `write ${type}(a, b), or a -> ${type}(b) in a chain`;
      this.L.error('E-ARITY', `${type} needs ${def.inputs} input tensor${def.inputs === 1 ? '' : 's'}, got ${n}: ${how}`, span);
      return false;
    }
    return true;
  }

  /** Lowers a layer with bound arguments as the instance `name` (shared: the same name, so the same weights). */
  private applyLayer(type: string, def: LayerDef, xs: ValueId[], hyper: Record<string, Hyper>, name: string, span: Span, nextAct?: string, shared?: SharedLayer, frozen = false): Val | undefined {
    for (const [k, x] of xs.entries()) {
      const tokens = this.L.vocabSize.has(x);
      if (def.maskArg && k === def.inputs) continue; // the mask's ids, checked where they were bound
      if (def.tokenInput && k === 0) {
        if (!tokens) return this.L.error('E-TYPE', `${type} needs token ids (an input declared tokens[vocab, length]), got ${this.g.value(x).dtype === 'f32' ? `a float tensor of shape ${userShape(this.g.value(x).shape)}` : `class labels '${this.g.value(x).name}'`}`, span);
        continue;
      }
      if (tokens) return this.L.error('E-TYPE', `${type} needs a float tensor, got token ids '${this.g.value(x).name}'; map them to vectors first: ${this.g.value(x).name} -> embedding(dim) -> ${type}`, span);
      if (this.g.value(x).dtype !== 'f32') return this.L.error('E-TYPE', `${type} needs a float tensor, got class labels '${this.g.value(x).name}'`, span);
    }
    const cx = this.layerContext(name, span, frozen, nextAct, shared, xs[0]);
    let y: ValueId;
    try {
      y = def.lower(cx, xs, hyper);
    } catch (err) {
      if (err instanceof LayerError) return this.L.error('E-SHAPE', `${shared ? `shared layer '${shared.name}' (${name})` : name}: ${err.message}`, span);
      if (err instanceof ShapeError) return this.L.error('E-SHAPE', `${name}: ${err.message} (input ${xs.map((x) => userShape(this.g.value(x).shape)).join(', ')})`, span);
      throw err;
    }
    // A shared layer is one row of the summary, as in Keras: its weights are counted once.
    if (this.L.training && !(shared && shared.firstUse)) {
      this.L.summary.push({ name, type, shape: this.g.value(y).shape, params: this.L.paramValues.get(name) ?? 0 });
    }
    if (shared && !shared.firstUse) shared.firstUse = { span, shape: this.g.value(xs[0]!).shape };
    return { kind: 'tensor', id: y, span };
  }

  /**
   * `shared = dense(8)`: a layer call with no input is a layer object (Keras' `shared = Dense(8)`),
   * applied later as `x -> shared` or `shared(x)`; every use has the same weights, so their gradients
   * add. Its arguments are bound here, where they are written.
   */
  private declareLayer(st: Assign, call: Expr & { kind: 'call' }, scope: Scope): Val | undefined {
    const def = LAYERS[call.callee]!;
    const own = this.layerOptions(call.callee, call.args);
    if (!own) return undefined;
    const hyper = this.layerArgs(call.callee, def, own.args, [], 0, call.span, scope);
    if (!hyper) return undefined;
    const L = this.L;
    const positional = L.layerName(call.callee);
    const instance = own.name ?? positional;
    const frozen = own.trainable === false || L.freeze.has(instance) || L.freeze.has(st.name);
    if (L.training) {
      if (!this.claimName(instance, own.nameSpan ?? st.nameSpan, frozen)) return undefined;
      if (instance !== positional) L.renamed.set(positional, instance);
      L.binding?.layers.push(instance);
    }
    const layer: SharedLayer = { name: st.name, type: call.callee, instance, hyper, declared: st.nameSpan, ...(frozen ? { frozen } : {}) };
    return { kind: 'layer', layer, span: call.span };
  }

  /**
   * `name = layer(args)` whose first positional argument, if any, is a constant: no input is given, so
   * it declares a layer (`shared = dense(8)`) rather than applying one (`h = dense(x, 8)`).
   */
  private isLayerDeclaration(e: Expr): e is Expr & { kind: 'call' } {
    if (e.kind !== 'call' || this.L.blocks.has(e.callee) || !isLayerName(e.callee)) return false;
    const first = e.args.find((a) => a.name === undefined)?.value;
    // A wrapper's layer argument is a call too: `b = bidirectional(lstm(8))` declares one.
    const wrapsFirst = first?.kind === 'call' && (LAYERS[e.callee]!.wraps?.includes(first.callee) ?? false);
    return !first || wrapsFirst || first.kind === 'num' || first.kind === 'str' || first.kind === 'bool' || first.kind === 'list';
  }

  /** Applies a declared layer to the chain's value and/or the call's positional tensors. */
  private applyShared(layer: SharedLayer, args: Arg[], piped: Val | undefined, span: Span, scope: Scope, nextAct?: string): Val | undefined {
    if (this.tooLarge(layer.type, span)) return undefined;
    const def = LAYERS[layer.type]!;
    const xs: ValueId[] = [];
    const inputs: Val[] = piped ? [piped] : [];
    let ok = true;
    for (const a of args) {
      if (a.name !== undefined) {
        ok = this.L.error('E-ARITY', `'${layer.name}' is a ${layer.type} layer declared at line ${layer.declared.line}; its arguments are given there, and a use passes only input tensors: ${layer.name}(x)`, a.nameSpan ?? a.span) ?? false;
        continue;
      }
      const v = this.eval(a.value, scope);
      if (!v || v.kind === 'failed') { ok = false; continue; }
      inputs.push(v);
    }
    if (!ok) return undefined;
    for (const v of inputs) {
      const x = this.tensor(v, scope, `input tensor ${xs.length + 1} of '${layer.name}'`);
      if (x === undefined) return undefined;
      xs.push(x);
    }
    if (xs.length > def.inputs && !def.variadic) {
      return this.L.error('E-ARITY', `'${layer.name}' (${layer.type}) takes ${def.inputs} input tensor${def.inputs === 1 ? '' : 's'}, got ${xs.length}`, span);
    }
    if (!this.enoughInputs(layer.type, def, xs.length, span)) return undefined;
    return this.applyLayer(layer.type, def, xs, layer.hyper, layer.instance, span, nextAct, layer, layer.frozen ?? false);
  }

  /**
   * The activation and arguments of `activation: name(args)`: the arguments that the layer `name`
   * takes, checked as its own call would check them; undefined after a diagnostic.
   */
  private activationArgs(type: string, call: Expr & { kind: 'call' }, scope: Scope): { name: string; args: Record<string, Hyper> } | undefined {
    const name = call.callee;
    const accepted = ACTIVATIONS.filter((a) => a !== 'linear');
    if (!(accepted as readonly string[]).includes(name)) {
      const what = isLayerName(name) ? `${name} is a layer, not an activation` : `unknown activation '${name}'${didYouMean(name, accepted)}`;
      return this.L.error('E-TYPE', `argument 'activation' of ${type}: ${what} (one of ${accepted.join(', ')})`, call.calleeSpan);
    }
    const specs = LAYERS[name]!.hyper;
    const args: Record<string, Hyper> = {};
    let ok = true;
    call.args.forEach((a, k) => {
      const spec = a.name === undefined ? specs[k] : specs.find((h) => h.name === a.name);
      if (!spec) {
        const why = a.name === undefined ? `${name} takes ${specs.length ? `at most ${specs.length} argument${specs.length === 1 ? '' : 's'} (${specs.map((h) => h.name).join(', ')})` : 'no arguments'} as an activation`
          : `unknown argument '${a.name}' for ${name}${unknownArgHint(a.name, specs.map((h) => h.name), KERAS_ARG_NAMES)}`;
        ok = this.L.error(a.name === undefined ? 'E-ARITY' : 'E-UNKNOWN-ARG', why, a.nameSpan ?? a.span) ?? false;
        return;
      }
      if (spec.name in args) { ok = this.L.error('E-DUPLICATE', `argument '${spec.name}' of ${name} is given twice`, a.span) ?? false; return; }
      const v = this.eval(a.value, scope);
      if (!v || v.kind === 'failed') { ok = false; return; }
      const c = coerce(v, spec.type);
      if ('error' in c) { ok = this.L.error('E-TYPE', `argument '${spec.name}' of ${name}: ${c.error}`, a.value.span) ?? false; return; }
      args[spec.name] = c.ok;
    });
    return ok ? { name, args } : undefined;
  }

  private layerContext(name: string, span: Span, frozen: boolean, nextAct?: string, shared?: SharedLayer, input?: ValueId): LayerContext {
    const L = this.L;
    return {
      training: L.training,
      frozen,
      name,
      ...(nextAct ? { nextActivation: nextAct } : {}),
      salt: L.training ? ++L.dropoutSalt : 0,
      shape: (v) => L.graph.value(v).shape,
      vocab: (v) => L.vocabSize.get(v),
      op: (op, inputs, attrs = {}) => L.graph.add(op, inputs, attrs, this.emitAt(span, name)),
      param: (suffix, shape, init, regularize, own) => {
        const full = `${name}.${suffix}`;
        const have = L.paramsByName.get(full);
        if (have !== undefined) {
          const built = L.graph.value(have).shape;
          if (shared?.firstUse && input !== undefined && !sameShape(built, shape)) throw new LayerError(mismatch(shared, suffix, built, shape, L.graph.value(input).shape));
          return have;
        }
        const v = L.graph.addParam(full, shape, init, name, regularize, own);
        L.paramsByName.set(full, v);
        L.paramValues.set(name, (L.paramValues.get(name) ?? 0) + numel(shape));
        return v;
      },
      state: (suffix, shape, init) => {
        const full = `${name}.${suffix}`;
        const have = L.paramsByName.get(full);
        // Two uses would update the moving statistics twice a step, in an order the plan does not fix.
        if (shared?.firstUse) throw new LayerError(`a layer with moving statistics (${shared.type}) cannot be shared; it was first applied at line ${shared.firstUse.span.line}. Declare one per use`);
        if (have !== undefined) return have;
        const v = L.graph.addState(full, shape, init, 'layer');
        L.paramsByName.set(full, v);
        return v;
      },
    };
  }

  private callBlock(block: BlockDecl, args: Arg[], piped: Val | undefined, span: Span, scope: Scope): Val | undefined {
    // Blocks have no conditionals, so a block that calls itself, directly or through others, never ends.
    const active = this.L.blockCalls.findIndex((c) => c.name === block.name);
    if (active >= 0) {
      const cycle = [...this.L.blockCalls.slice(active).map((c) => c.name), block.name];
      const how = cycle.length === 2 ? 'calls itself' : `calls itself through ${cycle.join(' -> ')}`;
      return this.L.error('E-RECURSION', `block '${block.name}' ${how}; blocks cannot be recursive`, span);
    }
    if (this.L.blockCalls.length >= MAX_BLOCK_DEPTH) {
      const level = this.L.blockCalls.length + 1;
      return this.L.error('E-TOO-DEEP', `block calls nest deeper than ${MAX_BLOCK_DEPTH} levels: this call of '${block.name}' is level ${level}`, span);
    }
    const bound = new Map<string, Val>();
    const positional: Val[] = piped ? [piped] : [];
    let ok = true;
    for (const a of args) {
      const v = this.eval(a.value, scope);
      if (!v) { ok = false; continue; }
      if (a.name === undefined) { positional.push(v); continue; }
      if (!block.params.some((p) => p.name === a.name)) {
        ok = this.L.error('E-UNKNOWN-ARG', `unknown argument '${a.name}' for block ${block.name}${didYouMeanOrList(a.name, block.params.map((p) => p.name))}`, a.nameSpan ?? a.span) ?? false;
        continue;
      }
      if (bound.has(a.name)) { ok = this.L.error('E-DUPLICATE', `argument '${a.name}' of block ${block.name} is given twice`, a.span) ?? false; continue; }
      bound.set(a.name, v);
    }
    if (!ok) return undefined;
    if (positional.length > block.params.length) {
      const counted = piped ? ', counting the chain\'s input as the first' : '';
      return this.L.error('E-ARITY', `block ${block.name} takes ${block.params.length} argument${block.params.length === 1 ? '' : 's'} (${block.params.map((p) => p.name).join(', ')}), got ${positional.length}${counted}`, span);
    }
    const inner = new Scope();
    for (let i = 0; i < block.params.length; i++) {
      const p = block.params[i]!;
      const pos = positional[i];
      if (pos && bound.has(p.name)) return this.L.error('E-DUPLICATE', `argument '${p.name}' of block ${block.name} is given twice`, span);
      let v: Val | undefined = pos ?? bound.get(p.name);
      if (!v && p.default) v = this.eval(p.default, inner);
      if (!v) return this.L.error('E-MISSING-ARG', `block ${block.name} needs argument '${p.name}'`, span);
      inner.define(p.name, v, p.span);
    }
    this.L.blockCalls.push({ name: block.name, span });
    try {
      for (const st of block.body) if (!this.assign(st, inner)) return undefined;
      return this.eval(block.result, inner);
    } finally {
      this.L.blockCalls.pop();
    }
  }

  /** `name = expr` in a model or block; false when it failed. */
  assign(st: Assign, scope: Scope): boolean {
    if (scope.has(st.name)) {
      const prev = scope.lookup(st.name)!;
      this.L.error('E-DUPLICATE', `'${st.name}' is already defined (line ${prev.span.line}); names are assigned once`, st.nameSpan);
      return false;
    }
    const L = this.L;
    const modelLevel = L.training && L.blockCalls.length === 0;
    if (modelLevel) L.binding = { name: st.name, layers: [] };
    const v = this.isLayerDeclaration(st.value) ? this.declareLayer(st, st.value, scope) : this.eval(st.value, scope);
    if (modelLevel) {
      const layers = L.binding?.layers ?? [];
      L.binding = undefined;
      if (v && layers.length) L.layerGroups.set(st.name, layers);
    }
    scope.define(st.name, v ?? { kind: 'failed', span: st.nameSpan }, st.nameSpan);
    if (!v) return false;
    if (v.kind === 'tensor' && this.L.training) {
      const block = this.L.blockCalls.at(-1)?.name;
      this.L.bindings.push({ name: st.name, value: v.id, ...(block !== undefined ? { block } : {}) });
    }
    return true;
  }
}

/** Whether two shapes are equal. */
function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Why a shared layer cannot take this input: its weights were built for the first use's. */
function mismatch(l: SharedLayer, suffix: string, built: number[], want: number[], input: number[]): string {
  const first = l.firstUse!;
  return `its weights were built for its first use at line ${first.span.line}, an input of shape ${userShape(first.shape)}; this input, ${userShape(input)}, would need a ${suffix} of shape ${shapeStr(want)}, not ${shapeStr(built)}`;
}

/** An own key of LAYERS (not 'constructor' or another Object.prototype name). */
function isLayerName(name: string): boolean {
  return Object.hasOwn(LAYERS, name);
}
