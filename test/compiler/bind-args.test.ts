// The one argument binder of layers, losses, optimizers and schedules: the same words for the same
// mistake wherever it is made, and a parameter declared only in its table.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { bindArgs, withDefaults, type ArgSpec, type GivenArg } from '../../compiler/lower/bind-args.ts';
import { OPTIMIZERS as OPTIMIZER_ROWS } from '../../compiler/ir/ops/optimizers.ts';
import { OPTIMIZERS } from '../../compiler/lower/train.ts';
import type { Span } from '../../dsl/diagnostics.ts';

const at: Span = { file: 'net.dl', line: 1, col: 1, endLine: 1, endCol: 2, start: 0, end: 1 };
const num = (value: number): GivenArg['value'] => ({ kind: 'num', value, isInt: Number.isInteger(value), span: at });
const arg = (value: GivenArg['value'], name?: string): GivenArg => ({ ...(name !== undefined ? { name } : {}), span: at, value, valueSpan: at });

/** Binds and returns [the bound arguments with defaults, the messages]. */
function bind(specs: ArgSpec[], given: GivenArg[]): [Record<string, unknown> | undefined, string[]] {
  const messages: string[] = [];
  const report = (_code: string, message: string): void => { messages.push(message); };
  const bound = bindArgs(specs, given, { name: 'f' }, report);
  return [bound && withDefaults(specs, bound, { name: 'f' }, report, at), messages];
}

const SPECS: ArgSpec[] = [{ name: 'units', type: 'posint' }, { name: 'rate', type: 'float', default: 0.5 }];

describe('bindArgs', () => {
  it('positional, then named; defaults filled in; a required one missing is named', () => {
    expect(bind(SPECS, [arg(num(3))])).toEqual([{ units: 3, rate: 0.5 }, []]);
    expect(bind(SPECS, [arg(num(0.1), 'rate'), arg(num(3))])).toEqual([{ units: 3, rate: 0.1 }, []]);
    expect(bind(SPECS, [arg(num(0.1), 'rate')])).toEqual([undefined, ["f needs argument 'units'"]]);
  });

  it('reports every refused argument: too many, unknown (with a suggestion), twice, wrong type, not a constant', () => {
    const [bound, messages] = bind(SPECS, [arg(num(2)), arg(num(1.5)), arg(num(1)), arg(num(1), 'rtae'), arg(num(2), 'units'), arg(undefined, 'rate')]);
    expect(bound).toBeUndefined();
    expect(messages).toEqual([
      'f takes at most 2 arguments (units, rate)',
      "unknown argument 'rtae' for f; did you mean 'rate'?",
      "argument 'units' of f is given twice",
      "argument 'rate' of f is given twice",
    ]);
    expect(bind(SPECS, [arg(num(-1))])[1]).toEqual(["argument 'units' of f: expected a positive integer, got the integer -1"]);
    expect(bind(SPECS, [arg(num(1)), arg(undefined)])[1]).toEqual(["argument 'rate' of f: expected a constant"]);
  });

  it('a word outside its choices: two are stated as the expectation, more are listed after the value', () => {
    const two: ArgSpec[] = [{ name: 'monitor', type: 'word', default: 'loss', oneOf: ['val_loss', 'loss'] }];
    const word = (value: string): GivenArg['value'] => ({ kind: 'name', value, span: at });
    expect(bind(two, [arg(word('los'))])[1]).toEqual(["argument 'monitor' of f: expected 'val_loss' or 'loss', got 'los'; did you mean 'loss'?"]);
    const three: ArgSpec[] = [{ name: 'act', type: 'word', default: 'relu', oneOf: ['relu', 'tanh', 'gelu'] }];
    expect(bind(three, [arg(word('rel'))])[1]).toEqual(["argument 'act' of f: unknown value 'rel'; did you mean 'relu'? (one of relu, tanh, gelu)"]);
  });
});

describe('the tables are the only declaration', () => {
  it('every optimizer row binds its hyper-parameters by name, the row defaults filling the rest', () => {
    for (const [name, row] of Object.entries(OPTIMIZER_ROWS)) {
      expect(OPTIMIZERS[name]!.hyper).toBe(row.hyper);
      const first = row.hyper[0]!;
      const src = `model m {\n  input x: f32[4]\n  input y: class[3]\n  logits = x -> dense(3)\n  output logits\n}\ntrain m { loss = cross_entropy(logits, y); optimizer = ${name}(${first.name}: ${first.name === 'lr' ? 0.01 : String(first.default)}) }`;
      const r = compile(src, { file: 'net.dl' });
      expect(r.diagnostics.map((d) => d.message), name).toEqual([]);
    }
  });

  it('a hyper-parameter given twice is refused for optimizers and schedules as for layers', () => {
    const src = (train: string): string => `model m {\n  input x: f32[4]\n  input y: class[3]\n  logits = x -> dense(3)\n  output logits\n}\ntrain m { loss = cross_entropy(logits, y); ${train} }`;
    const messages = (train: string): string[] => compile(src(train), { file: 'net.dl' }).diagnostics.map((d) => d.message);
    expect(messages('optimizer = adam(lr: 0.1, lr: 0.2)')).toEqual(["hyper-parameter 'lr' of adam is given twice"]);
    expect(messages('schedule = step(every: 2, every: 3)')).toEqual(["argument 'every' of step is given twice"]);
  });
});
