// CSV data: parsing, matching columns to the model's inputs, and every error naming file, line and column.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { csvRows, DataError, parseCsv } from '../../runtime/data/csv.ts';
import { splitTail } from '../../runtime/data/split.ts';
import { messageOf } from '../helpers/errors.ts';

const model = (inputs: string, loss: string, out = 'y'): string => `model m {
  ${inputs}
  y = x -> dense(3)
  output ${out}
}
train m { loss = ${loss}; optimizer = sgd(lr: 0.1); batch = 2 }`;
const CLS = compile(model('input x: f32[2]\n  input label: class[3]', 'cross_entropy(y, label)')).artifact!.manifest;
const REG = compile(model('input x: f32[2]\n  input target: f32[3]', 'mse(y, target)')).artifact!.manifest;

const err = (f: () => unknown): string => messageOf(f, DataError);

describe('csvRows', () => {
  it('splits quoted fields, doubled quotes, CRLF and skips blank lines, keeping line numbers', () => {
    const rows = csvRows('a,"b,c",d\r\n\r\n1,"say ""hi""",3\n', 'f.csv');
    expect(rows).toEqual([{ line: 1, fields: ['a', 'b,c', 'd'] }, { line: 3, fields: ['1', 'say "hi"', '3'] }]);
  });
  it('refuses an unclosed quote, naming the line', () => {
    expect(err(() => csvRows('a,b\n1,"2\n', 'f.csv'))).toBe('f.csv:2: a quoted field is not closed');
  });
});

describe('parseCsv', () => {
  it('puts the label column in the label input and the other columns, in file order, in the features', () => {
    const s = parseCsv('x1,label,x2\n1.5,2,-3\n0,0,4e-1\n', 'd.csv', CLS);
    expect(s.count).toBe(2);
    expect([...s.tensors.x!]).toEqual([1.5, -3, 0, Math.fround(0.4)]);
    expect([...s.tensors.label!]).toEqual([2, 0]);
  });
  it('takes several float label columns by name for a regression target', () => {
    const s = parseCsv('a,b,t1,t2,t3\n1,2,3,4,5\n', 'r.csv', REG, { label: ['t1', 't2', 't3'] });
    expect([...s.tensors.x!]).toEqual([1, 2]);
    expect([...s.tensors.target!]).toEqual([3, 4, 5]);
  });
  it('reads a file without labels when they are optional (prediction)', () => {
    const s = parseCsv('a,b\n1,2\n', 'p.csv', CLS, { labelsOptional: true });
    expect(Object.keys(s.tensors)).toEqual(['x']);
  });
  it('gives one clear message per problem', () => {
    expect(err(() => parseCsv('x1,lable,x2\n1,2,3\n', 'd.csv', CLS))).toBe(
      "d.csv:1: no column named 'label'; did you mean 'lable'? (the label column is named like the model's label input 'label'; choose another with --label); the columns are x1, lable, x2");
    expect(err(() => parseCsv('x1,label\n1,2\n', 'd.csv', CLS))).toBe("d.csv: 1 feature column besides the label, but the model's input x: f32[2] takes 2 values per sample");
    expect(err(() => parseCsv('x1,label,x2\n1,2,3\n4,abc,5\n', 'd.csv', CLS))).toBe("d.csv:3: column 'label': 'abc' is not a number");
    expect(err(() => parseCsv('x1,label,x2\n1,2,\n', 'd.csv', CLS))).toBe("d.csv:2: column 'x2': the cell is empty");
    expect(err(() => parseCsv('x1,label,x2\nNaN,2,3\n', 'd.csv', CLS))).toBe("d.csv:2: column 'x1': NaN is not a finite number");
    expect(err(() => parseCsv('x1,label,x2\n1,2,-Infinity\n', 'd.csv', CLS))).toBe("d.csv:2: column 'x2': -Infinity is not a finite number");
    expect(err(() => parseCsv('x1,label,x2\n1,3,0\n', 'd.csv', CLS))).toBe("d.csv:2: column 'label': label 3 is out of range; label: class[3] takes integers 0 to 2");
    expect(err(() => parseCsv('x1,label,x2\n1,1.5,0\n', 'd.csv', CLS))).toBe("d.csv:2: column 'label': label 1.5 is out of range; label: class[3] takes integers 0 to 2");
    expect(err(() => parseCsv('x1,label,x2\n1,1,0\n1,1\n', 'd.csv', CLS))).toBe('d.csv:3: 2 fields, but the header has 3 columns');
    expect(err(() => parseCsv('', 'd.csv', CLS))).toBe('d.csv: the file is empty; expected a header row of column names, then one row per sample');
    expect(err(() => parseCsv('x1,label,x2\n', 'd.csv', CLS))).toBe('d.csv: no samples after the header row');
    expect(err(() => parseCsv('a,b,t\n1,2,3\n', 'r.csv', REG, { label: ['t'] }))).toBe("r.csv: 1 label column (t) but the model's label input target: f32[3] takes 3 per sample");
  });
  it('refuses a model whose inputs a table cannot fill', () => {
    const two = compile(`model m {
  input a: f32[2]
  input b: f32[2]
  input label: class[3]
  y = a + b -> dense(3)
  output y
}
train m { loss = cross_entropy(y, label); optimizer = sgd(lr: 0.1); batch = 2 }`).artifact!.manifest;
    expect(err(() => parseCsv('a,b\n1,2\n', 'd.csv', two))).toBe("CSV data fills a model with one feature input and one label input; model 'm' has inputs a: f32[2], b: f32[2], label: class[3]");
  });
});

describe('CSV cells and headers are untrusted', () => {
  const cell = (text: string): string => err(() => parseCsv(`x1,label,x2\n1,0,${text}\n`, 'd.csv', CLS));
  it('a number is a plain decimal: what Number() also takes is refused', () => {
    for (const text of ['0x1', '0b1', '0o7', '1_0', '1e', '.', '+', '--1', '1.2.3', '١']) expect(cell(text)).toBe(`d.csv:2: column 'x2': '${text}' is not a number`);
    expect(cell(' 1 ')).toBe("d.csv:2: column 'x2': ' 1 ' is not a number (spaces around a number are not part of it)");
    expect(cell('\t2')).toBe("d.csv:2: column 'x2': '\\t2' is not a number (spaces around a number are not part of it)");
    expect(cell('')).toBe("d.csv:2: column 'x2': the cell is empty");
    expect(cell('Infinity')).toBe("d.csv:2: column 'x2': Infinity is not a finite number");
    expect(cell('-inf')).toBe("d.csv:2: column 'x2': -inf is not a finite number");
    const ok = parseCsv('x1,label,x2\n-0,1,.5\n1.,2,+2E-3\n007,0,-3.4028234663852886e38\n', 'd.csv', CLS);
    expect([...ok.tensors.x!]).toEqual([-0, 0.5, 1, Math.fround(0.002), 7, -3.4028234663852886e38]);
    expect([...ok.tensors.label!]).toEqual([1, 2, 0]);
  });
  it('a value beyond float32 is refused where it is read, in features and labels', () => {
    expect(cell('1e39')).toBe("d.csv:2: column 'x2': 1e39 is beyond the float32 range (magnitude at most 3.4028234663852886e+38)");
    expect(cell('-3.5e38')).toBe("d.csv:2: column 'x2': -3.5e38 is beyond the float32 range (magnitude at most 3.4028234663852886e+38)");
    expect(cell('1e999')).toBe("d.csv:2: column 'x2': 1e999 is beyond the float32 range (magnitude at most 3.4028234663852886e+38)");
    expect(err(() => parseCsv('a,b,t1,t2,t3\n1,2,3,4e40,5\n', 'r.csv', REG, { label: ['t1', 't2', 't3'] }))).toBe(
      "r.csv:2: column 't2': 4e40 is beyond the float32 range (magnitude at most 3.4028234663852886e+38)");
    // The scaled value is what float32 must hold.
    expect(err(() => parseCsv('x1,label,x2\n1,0,3e30\n', 'd.csv', CLS, { scale: 1e10 }))).toBe(
      "d.csv:2: column 'x2': 3e30 × 10000000000 is beyond the float32 range (magnitude at most 3.4028234663852886e+38)");
    expect([...parseCsv('x1,label,x2\n1,2,3e30\n', 'd.csv', CLS, { scale: 0.5 }).tensors.x!]).toEqual([0.5, Math.fround(1.5e30)]);
  });
  it('two columns of one name are an error naming both', () => {
    expect(err(() => parseCsv('x1,label,label\n1,2,0\n', 'd.csv', CLS))).toBe("d.csv:1: columns 2 and 3 are both named 'label'; each column needs its own name");
    expect(err(() => parseCsv('x1, x1 ,label\n1,2,0\n', 'd.csv', CLS))).toBe("d.csv:1: columns 1 and 2 are both named 'x1'; each column needs its own name");
  });
  it('quotes a 10 MB cell cut short, and the control characters of a header escaped', () => {
    const huge = '9'.repeat(10_000_000);
    const message = cell(`${huge}x`);
    expect(message).toBe(`d.csv:2: column 'x2': '${'9'.repeat(120)}…' is not a number`);
    expect(cell(huge)).toBe(`d.csv:2: column 'x2': ${'9'.repeat(120)}… is beyond the float32 range (magnitude at most 3.4028234663852886e+38)`);
    const title = 'x1\x1b]0;pwned\x07\x1b[2J';
    expect(err(() => parseCsv(`${title},label,x2\n1,0,abc\n`, 'd.csv', CLS))).toBe("d.csv:2: column 'x2': 'abc' is not a number");
    expect(err(() => parseCsv(`${title},label,x2\nzz,0,1\n`, 'd\x1b.csv', CLS))).toBe("d\\e.csv:2: column 'x1\\e]0;pwned\\x07\\e[2J': 'zz' is not a number");
    expect(err(() => parseCsv(`${title},labe\u202e,x2\n1,0,1\n`, 'd.csv', CLS))).toBe(
      "d.csv:1: no column named 'label'; did you mean 'labe\\u202e'? (the label column is named like the model's label input 'label'; choose another with --label); the columns are x1\\e]0;pwned\\x07\\e[2J, labe\\u202e, x2");
    // A 20 MB column name is neither compared whole for a suggestion nor listed whole.
    const long = `${'y'.repeat(20_000_000)},lable,x2\n1,0,1\n`;
    const start = performance.now();
    expect(err(() => parseCsv(long, 'd.csv', CLS))).toBe(
      `d.csv:1: no column named 'label'; did you mean 'lable'? (the label column is named like the model's label input 'label'; choose another with --label); the columns are ${'y'.repeat(120)}…`);
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

describe('splitTail', () => {
  it('holds out the last fraction of the rows', () => {
    const s = parseCsv('x1,label,x2\n1,0,2\n3,1,4\n5,2,6\n7,0,8\n8,1,9\n', 'd.csv', CLS);
    const { train, held } = splitTail(s, 0.4);
    expect(train.count).toBe(3);
    expect(held.count).toBe(2);
    expect([...held.tensors.x!]).toEqual([7, 8, 8, 9]);
    expect([...held.tensors.label!]).toEqual([0, 1]);
  });
});
