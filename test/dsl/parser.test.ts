// Tests for the .dl front end: AST shape, precedence, literals, spans, and the exact text of syntax errors.
import { describe, it, expect } from 'vitest';
import { parse } from '../../dsl/index.ts';
import { formatDiagnostics } from '../../dsl/diagnostics.ts';
import type { Assign, BlockDecl, Expr, ModelDecl, TrainDecl } from '../../dsl/ast.ts';

const EXAMPLE = `# comment to end of line
model mlp {
  input image: f32[784]          # dims exclude batch; dtype is an identifier (f32, class, i32)
  input label: class[10]
  h = image -> dense(128) -> relu -> dropout(0.2)
  logits = h -> dense(10, activation: "linear")
  y = relu(h + h) * h - h        # precedence: * over + -; -> lowest of all
  z = dense(h, 10)               # call with explicit input
  output logits, y
}

block residual(x, width, act: relu) {   # params, optional defaults (any expression)
  h = x -> dense(width) -> relu -> dense(width)
  return relu(x + h)
}

train mlp {
  loss = cross_entropy(logits, label)
  optimizer = adam(lr: 1e-3, beta1: 0.9)
  batch = 128
  epochs = 20
  metrics = [accuracy, "f1"]
  regularize = l2(1e-4)
  shuffle = true
  seed = -3                       # negative numeric literal
}
`;

const id = (name: string) => ({ kind: 'ident', name });
const num = (value: number, isInt = Number.isInteger(value)) => ({ kind: 'num', value, isInt });
const bin = (op: string, left: object, right: object) => ({ kind: 'binary', op, left, right });

/** Parses `v = <src>` inside a model, expecting no diagnostics, and returns the value. */
function expr(src: string): Expr {
  const { program, diagnostics } = parse(`model m {\n  v = ${src}\n}\n`, 'e.dl');
  expect(diagnostics).toEqual([]);
  return ((program!.decls[0] as ModelDecl).body[0] as Assign).value;
}

/** The formatted diagnostics of a source that must fail. */
function errors(src: string): string {
  const { diagnostics } = parse(src, 'bad.dl');
  expect(diagnostics.length).toBeGreaterThan(0);
  return formatDiagnostics(diagnostics, src);
}

describe('the example program', () => {
  const { program, diagnostics } = parse(EXAMPLE, 'example.dl');

  it('parses without diagnostics', () => {
    expect(diagnostics).toEqual([]);
    expect(program?.file).toBe('example.dl');
    expect(program?.decls.map((d) => d.kind)).toEqual(['model', 'block', 'train']);
  });

  it('builds the model', () => {
    expect(program!.decls[0]).toMatchObject({
      kind: 'model',
      name: 'mlp',
      body: [
        { kind: 'input', name: 'image', dtype: 'f32', dims: [784] },
        { kind: 'input', name: 'label', dtype: 'class', dims: [10] },
        {
          kind: 'assign', name: 'h',
          value: {
            kind: 'chain', head: id('image'),
            stages: [{ kind: 'call', callee: 'dense', args: [{ value: num(128) }] }, id('relu'), { kind: 'call', callee: 'dropout', args: [{ value: num(0.2) }] }],
          },
        },
        {
          kind: 'assign', name: 'logits',
          value: {
            kind: 'chain', head: id('h'),
            stages: [{ kind: 'call', callee: 'dense', args: [{ value: num(10) }, { name: 'activation', value: { kind: 'str', value: 'linear' } }] }],
          },
        },
        {
          kind: 'assign', name: 'y',
          value: bin('-', bin('*', { kind: 'call', callee: 'relu', args: [{ value: bin('+', id('h'), id('h')) }] }, id('h')), id('h')),
        },
        { kind: 'assign', name: 'z', value: { kind: 'call', callee: 'dense', args: [{ value: id('h') }, { value: num(10) }] } },
        { kind: 'output', names: [{ name: 'logits' }, { name: 'y' }] },
      ],
    });
  });

  it('builds the block', () => {
    const block = program!.decls[1] as BlockDecl;
    expect(block).toMatchObject({
      kind: 'block',
      name: 'residual',
      params: [{ name: 'x' }, { name: 'width' }, { name: 'act', default: id('relu') }],
      body: [{ name: 'h', value: { kind: 'chain', head: id('x'), stages: [{ callee: 'dense' }, id('relu'), { callee: 'dense' }] } }],
      result: { kind: 'call', callee: 'relu', args: [{ value: bin('+', id('x'), id('h')) }] },
    });
    expect(block.params[0]!.default).toBeUndefined();
  });

  it('builds the train section', () => {
    const train = program!.decls[2] as TrainDecl;
    expect(train.model).toBe('mlp');
    expect(Object.fromEntries(train.entries.map((e) => [e.key, e.value]))).toMatchObject({
      loss: { kind: 'call', callee: 'cross_entropy', args: [{ value: id('logits') }, { value: id('label') }] },
      optimizer: { kind: 'call', callee: 'adam', args: [{ name: 'lr', value: num(0.001, false) }, { name: 'beta1', value: num(0.9) }] },
      batch: num(128),
      epochs: num(20),
      metrics: { kind: 'list', items: [id('accuracy'), { kind: 'str', value: 'f1' }] },
      regularize: { kind: 'call', callee: 'l2', args: [{ value: num(0.0001, false) }] },
      shuffle: { kind: 'bool', value: true },
      seed: num(-3),
    });
  });

  it('puts correct spans on nodes', () => {
    const model = program!.decls[0] as ModelDecl;
    expect(model.span).toMatchObject({ file: 'example.dl', line: 2, col: 1, endLine: 10, endCol: 2 });
    expect(model.nameSpan).toMatchObject({ line: 2, col: 7, endLine: 2, endCol: 10 });
    const h = model.body[2] as Assign;
    expect(h.span).toMatchObject({ line: 5, col: 3, endLine: 5, endCol: 50 });
    expect(EXAMPLE.slice(h.value.span.start, h.value.span.end)).toBe('image -> dense(128) -> relu -> dropout(0.2)');
    const seed = (program!.decls[2] as TrainDecl).entries.at(-1)!;
    expect(seed.value.span).toMatchObject({ line: 25, col: 10, endCol: 12 });
    expect((program!.decls[1] as BlockDecl).resultSpan).toMatchObject({ line: 14, col: 3, endCol: 21 });
  });
});

describe('expressions', () => {
  it('gives * precedence over + and -, both left-associative', () => {
    expect(expr('a + b * c - d')).toMatchObject(bin('-', bin('+', id('a'), bin('*', id('b'), id('c'))), id('d')));
    expect(expr('a * b * c')).toMatchObject(bin('*', bin('*', id('a'), id('b')), id('c')));
    expect(expr('a - b - c')).toMatchObject(bin('-', bin('-', id('a'), id('b')), id('c')));
  });

  it('gives / the precedence of *, left-associative', () => {
    expect(expr('a + b / c')).toMatchObject(bin('+', id('a'), bin('/', id('b'), id('c'))));
    expect(expr('a / b * c')).toMatchObject(bin('*', bin('/', id('a'), id('b')), id('c')));
    expect(expr('a / b / 2')).toMatchObject(bin('/', bin('/', id('a'), id('b')), num(2)));
    expect(expr('1 / x')).toMatchObject(bin('/', num(1), id('x')));
  });

  it('negates any operand with unary -, binding tighter than * and /', () => {
    const neg = (x: object) => ({ kind: 'neg', x });
    const e = expr('-x * 2');
    expect(e).toMatchObject(bin('*', neg(id('x')), num(2)));
    expect((e as { left: Expr }).left.span).toMatchObject({ line: 2, col: 7, endCol: 9 });
    expect(expr('a - -b')).toMatchObject(bin('-', id('a'), neg(id('b'))));
    expect(expr('-(a + b) -> relu')).toMatchObject({ kind: 'chain', head: neg(bin('+', id('a'), id('b'))), stages: [id('relu')] });
    expect(expr('- -x')).toMatchObject(neg(neg(id('x'))));
    expect(expr('-relu(x)')).toMatchObject(neg({ kind: 'call', callee: 'relu' }));
  });

  it('makes -> bind loosest', () => {
    expect(expr('a + b * c -> relu -> dense(4)')).toMatchObject({
      kind: 'chain', head: bin('+', id('a'), bin('*', id('b'), id('c'))), stages: [id('relu'), { kind: 'call', callee: 'dense' }],
    });
  });

  it('lets parentheses group, widening the span over them', () => {
    const e = expr('(a -> relu) + (b - c) * d');
    expect(e).toMatchObject(bin('+', { kind: 'chain', head: id('a'), stages: [id('relu')] }, bin('*', bin('-', id('b'), id('c')), id('d'))));
    expect(e.span).toMatchObject({ line: 2, col: 7, endCol: 32 });
    expect((e as { left: Expr }).left.span).toMatchObject({ col: 7, endCol: 18 });
  });

  it('parses calls with positional and named arguments, lists and nesting', () => {
    expect(expr('conv(x, 16, kernel: 3, pad: [1, 1],)')).toMatchObject({
      kind: 'call', callee: 'conv',
      args: [{ value: id('x') }, { value: num(16) }, { name: 'kernel', value: num(3) }, { name: 'pad', value: { kind: 'list', items: [num(1), num(1)] } }],
    });
    expect(expr('f()')).toMatchObject({ kind: 'call', callee: 'f', args: [] });
    expect(expr('[]')).toMatchObject({ kind: 'list', items: [] });
    expect(expr('[a -> relu, [1], "s"]')).toMatchObject({ kind: 'list', items: [{ kind: 'chain' }, { kind: 'list' }, { kind: 'str' }] });
  });

  it('treats - before a number as a negative literal, and as subtraction after a value', () => {
    expect(expr('a - -3')).toMatchObject(bin('-', id('a'), num(-3)));
    expect(expr('a-3')).toMatchObject(bin('-', id('a'), num(3)));
    expect(expr('-2 * x')).toMatchObject(bin('*', num(-2), id('x')));
  });
});

describe('literals', () => {
  it.each([
    ['128', 128, true], ['0', 0, true], ['0.5', 0.5, false], ['.5', 0.5, false], ['1e-3', 0.001, false],
    ['2.5E+4', 25000, false], ['3.', 3, false], ['-7', -7, true], ['-1.5e2', -150, false],
  ])('number %s', (src, value, isInt) => {
    expect(expr(src)).toEqual({ kind: 'num', value, isInt, span: expect.objectContaining({ line: 2, col: 7, endCol: 7 + src.length }) });
  });

  it.each([
    ['"plain"', 'plain'], ['""', ''], ['"say \\"hi\\""', 'say "hi"'], ['"back\\\\slash"', 'back\\slash'], ['"a\\tb\\n"', 'a\tb\n'],
    ['"# not a comment"', '# not a comment'],
  ])('string %s', (src, value) => {
    expect(expr(src)).toMatchObject({ kind: 'str', value });
  });

  it('booleans and identifiers that start with keywords', () => {
    expect(expr('true')).toMatchObject({ kind: 'bool', value: true });
    expect(expr('false')).toMatchObject({ kind: 'bool', value: false });
    expect(expr('[true_x, model2, _input]')).toMatchObject({ kind: 'list', items: [id('true_x'), id('model2'), id('_input')] });
  });
});

describe('statements and layout', () => {
  it('accepts ; separators, several statements per line, comments and blank lines anywhere', () => {
    const src = 'model m { input x: f32[1, 28, 28]; h = x -> relu; output h };\n\n# c\ntrain m { loss = mse(h, x), batch = 2; }\n';
    const { program, diagnostics } = parse(src, 'f.dl');
    expect(diagnostics).toEqual([]);
    expect(program!.decls).toMatchObject([
      { kind: 'model', body: [{ kind: 'input', dims: [1, 28, 28] }, { kind: 'assign', name: 'h' }, { kind: 'output' }] },
      { kind: 'train', entries: [{ key: 'loss' }, { key: 'batch', value: num(2) }] },
    ]);
  });

  it('splits statements on newlines without separators', () => {
    const { program } = parse('model m {\n  a = x -> relu\n  b = a\n  output b\n}', 'f.dl');
    expect((program!.decls[0] as ModelDecl).body.map((s) => s.kind)).toEqual(['assign', 'assign', 'output']);
  });

  it('parses a block without parameters, and an empty file', () => {
    expect(parse('block one() { return 1 }', 'f.dl').program!.decls[0]).toMatchObject({ kind: 'block', params: [], body: [], result: num(1) });
    expect(parse('', 'f.dl')).toEqual({ program: { file: 'f.dl', decls: [] }, diagnostics: [] });
  });

  it('handles CRLF line endings', () => {
    const { program, diagnostics } = parse('model m {\r\n  h = x\r\n}\r\n', 'f.dl');
    expect(diagnostics).toEqual([]);
    expect((program!.decls[0] as ModelDecl).body[0]!.span).toMatchObject({ line: 2, col: 3, endCol: 8 });
  });
});

describe('syntax error messages', () => {
  it('missing =', () => {
    expect(errors('model m {\n  h dense(128)\n}\n')).toBe([
      "bad.dl:2:5: error: expected '=' after 'h', found 'dense'",
      ' 2 |   h dense(128)',
      '   |     ^^^^^',
    ].join('\n'));
  });

  it('unclosed brace at end of file', () => {
    expect(errors('model mlp {\n  input x: f32[4]\n  h = x -> relu\n\n')).toBe([
      "bad.dl:3:16: error: unexpected end of file: '}' missing to close 'model mlp' opened at line 1",
      ' 3 |   h = x -> relu',
      '   |                ^',
    ].join('\n'));
  });

  it('unclosed call at end of file', () => {
    expect(errors('train m {\n  loss = mse(a, b\n')).toBe([
      "bad.dl:2:18: error: unexpected end of file: ')' missing to close 'mse(' opened at line 2",
      ' 2 |   loss = mse(a, b',
      '   |                  ^',
    ].join('\n'));
  });

  it('bad characters, one diagnostic per run', () => {
    // The parse error the skipped '@@' causes (at '2') is not reported on top of it.
    expect(errors('model m {\n  h = x @@ 2\n  z = $x\n}')).toBe([
      "bad.dl:2:9: error: unexpected characters '@@'",
      ' 2 |   h = x @@ 2',
      '   |         ^^',
      "bad.dl:3:7: error: unexpected character '$'",
      ' 3 |   z = $x',
      '   |       ^',
    ].join('\n'));
  });

  it('positional argument after named argument', () => {
    expect(errors('model m {\n  h = dense(x, units: 10, 20)\n}')).toBe([
      'bad.dl:2:27: error: positional argument after named argument',
      ' 2 |   h = dense(x, units: 10, 20)',
      '   |                           ^^',
    ].join('\n'));
  });

  it('non-integer and missing input dimensions', () => {
    expect(errors('model m {\n  input x: f32[2.5, 0, 3]\n  input y: i32\n}')).toBe([
      'bad.dl:2:16: error: input dimension must be a positive integer, got 2.5',
      ' 2 |   input x: f32[2.5, 0, 3]',
      '   |                ^^^',
      'bad.dl:2:21: error: input dimension must be a positive integer, got 0',
      ' 2 |   input x: f32[2.5, 0, 3]',
      '   |                     ^',
      "bad.dl:3:12: error: input 'y' needs at least one dimension, e.g. 'i32[10]'",
      ' 3 |   input y: i32',
      '   |            ^^^',
    ].join('\n'));
    expect(parse('model m { input x: f32[2.5] }', 'f.dl').diagnostics[0]!.code).toBe('E-TYPE');
  });

  it('reports two separate errors in one file', () => {
    const src = 'model m {\n  a = dense(10\n  b = relu(a)\n}\n\ntrain m {\n  batch 128\n}\n';
    expect(errors(src)).toBe([
      "bad.dl:3:3: error: expected ')' after '10', found 'b'",
      ' 3 |   b = relu(a)',
      '   |   ^',
      "bad.dl:7:9: error: expected '=' after 'batch', found '128'",
      ' 7 |   batch 128',
      '   |         ^^^',
    ].join('\n'));
  });

  it('missing expression', () => {
    expect(errors('model m {\n  h = x\n  y =\n}')).toBe([
      "bad.dl:4:1: error: expected an expression, found '}'",
      ' 4 | }',
      '   | ^',
    ].join('\n'));
  });

  it('unterminated string', () => {
    expect(errors('train m {\n  metrics = ["f1, acc]\n}')).toBe([
      `bad.dl:2:14: error: unterminated string: missing closing '"'`,
      ' 2 |   metrics = ["f1, acc]',
      '   |              ^^^^^^^^^',
    ].join('\n'));
  });

  it('chain stages must be names or calls', () => {
    expect(errors('model m {\n  h = x -> (relu)\n}')).toBe([
      "bad.dl:2:12: error: expected a layer name or call after '->', found '('",
      ' 2 |   h = x -> (relu)',
      '   |            ^',
    ].join('\n'));
  });

  it('operators after a chain need parentheses', () => {
    expect(errors('model m {\n  h = x -> relu + x\n}')).toBe([
      "bad.dl:2:17: error: '->' binds loosest: put the chain in parentheses to use it with '+'",
      ' 2 |   h = x -> relu + x',
      '   |                 ^',
    ].join('\n'));
  });

  it('statements in the wrong kind of body', () => {
    expect(errors('model m {\n  return x\n}\nblock b(x) {\n  output x\n}')).toBe([
      "bad.dl:2:3: error: 'return' is only allowed in a block; a model names its results with 'output'",
      ' 2 |   return x',
      '   |   ^^^^^^',
      "bad.dl:4:7: error: block 'b' must end with 'return <expression>'",
      ' 4 | block b(x) {',
      '   |       ^',
      "bad.dl:5:3: error: 'output' is only allowed in a model; a block gives its result with 'return'",
      ' 5 |   output x',
      '   |   ^^^^^^',
    ].join('\n'));
  });

  it('garbage between declarations and a missing name', () => {
    expect(errors('model {\n  h = x\n}\nfoo')).toBe([
      "bad.dl:1:7: error: expected a model name after 'model', found '{'",
      ' 1 | model {',
      '   |       ^',
      "bad.dl:4:1: error: expected 'model', 'block' or 'train', found 'foo'",
      ' 4 | foo',
      '   | ^^^',
    ].join('\n'));
  });

  it('numbers run into letters', () => {
    expect(errors('model m {\n  h = dense(2x)\n}')).toBe([
      "bad.dl:2:13: error: invalid number '2x': a name cannot start with a digit",
      ' 2 |   h = dense(2x)',
      '   |             ^^',
    ].join('\n'));
  });

  it('unknown string escapes', () => {
    expect(errors('model m {\n  s = "a\\qb"\n}')).toBe([
      "bad.dl:2:9: error: unknown escape '\\q' in string; use '\\\\' for a backslash",
      ' 2 |   s = "a\\qb"',
      '   |         ^^',
    ].join('\n'));
  });
});

describe('robustness', () => {
  it('still returns a program after recovering, with the good parts intact', () => {
    const { program, diagnostics } = parse('model m {\n  a dense(10)\n  b = relu(a)\n  output b\n}', 'f.dl');
    expect(diagnostics).toHaveLength(1);
    expect((program!.decls[0] as ModelDecl).body.map((s) => s.kind)).toEqual(['assign', 'assign', 'output']);
  });

  it('refuses pathological nesting with a diagnostic instead of overflowing the stack', () => {
    const deep = `model m { h = ${'f('.repeat(5000)}x${')'.repeat(5000)} }`;
    expect(parse(deep, 'f.dl')).toMatchObject({ program: undefined, diagnostics: [{ code: 'E-SYNTAX', message: 'brackets are nested too deeply (more than 100 levels)' }] });
    expect(parse(`model m { h = ${'['.repeat(101)}${']'.repeat(101)} }`, 'f.dl').diagnostics[0]!.span).toMatchObject({ line: 1, col: 114 }); // the model's '{' is level 1
    const ok = `model m { h = ${'g(x, '.repeat(99)}x${')'.repeat(99)} }`;
    expect(parse(ok, 'f.dl').diagnostics).toEqual([]);
    const long = `model m { h = ${'a + '.repeat(1000)}a }`;
    expect(parse(long, 'f.dl').diagnostics.map((d) => d.message)).toEqual(['expression is nested too deeply (more than 200 levels)']);
  });

  it("a run of 5,000 '-' is refused where the run gets too long, not as a parser stack overflow at the end", () => {
    const { program, diagnostics } = parse(`model m {\n  h = ${'- '.repeat(5000)}x\n}\n`, 'f.dl');
    expect(program).toBeUndefined();
    expect(diagnostics).toMatchObject([{ code: 'E-SYNTAX', message: "'-' is repeated too many times in a row (more than 100)", span: { line: 2, col: 207 } }]);
  });

  it('never throws, whatever the input', () => {
    const pieces = ['model', 'block', 'train', 'input', 'output', 'return', 'x', '(', ')', '[', ']', '{', '}', ',', ';', ':', '=', '->', '-', '+', '*', '/', '1', '.5', '"s"', '"u', '\n', '#c\n', '@', '\\', '\u0000'];
    let seed = 7;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    for (let i = 0; i < 2000; i++) {
      const src = i % 2 ? Array.from({ length: rnd(30) }, () => pieces[rnd(pieces.length)]).join(' ')
        : EXAMPLE.slice(0, rnd(EXAMPLE.length)) + pieces[rnd(pieces.length)] + EXAMPLE.slice(rnd(EXAMPLE.length));
      const { diagnostics } = parse(src, 'f.dl');
      for (const d of diagnostics) {
        expect(d.code).not.toBe('E-INTERNAL');
        expect(d.span.line).toBeGreaterThanOrEqual(1);
        expect(d.message).not.toMatch(/undefined|NaN|Kw_|LCurly|Ident\b|-->/);
      }
      expect(() => formatDiagnostics(diagnostics, src)).not.toThrow();
    }
  });
});
