// Each command takes only the options it uses: another command's option is refused with one line
// naming the commands it applies to, as an unknown option is, never silently ignored.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS, parseCommandLine } from '../../cli/options.ts';
import { dlc } from '../helpers/cli.ts';

describe('options a command does not use are refused, not ignored', () => {
  const cases: [string[], string][] = [
    [['eval', 'net.dl', '--epochs', '3'], 'eval does not take --epochs (it applies to train; dlc --help lists the options)'],
    [['eval', 'net.dl', '--lr', '0.1'], 'eval does not take --lr (it applies to train; dlc --help lists the options)'],
    [['eval', 'net.dl', '--resume'], 'eval does not take --resume (it applies to train; dlc --help lists the options)'],
    [['eval', 'net.dl', '-o', 'x'], 'eval does not take -o/--out (it applies to compile, train, tune, predict, viz, export and quantize; dlc --help lists the options)'],
    [['eval', 'net.dl', '--clip-norm', '1'], 'eval does not take --clip-norm (it applies to compile, check and train; dlc --help lists the options)'],
    [['predict', 'net.dl', '--seed', '2'], 'predict does not take --seed (it applies to train and tune; dlc --help lists the options)'],
    [['viz', 'net.dl', '--weights', 'w'], 'viz does not take --weights (it applies to check, eval, predict, export and quantize; dlc --help lists the options)'],
    [['compile', 'net.dl', '-o', 'x', '--data', 'd.csv'], 'compile does not take --data (it applies to train, tune, eval, predict and quantize; dlc --help lists the options)'],
    [['viz', 'net.dl', '--force'], 'viz does not take --force (it applies to compile, export and quantize; dlc --help lists the options)'],
    [['train', 'net.dl', '--weights', 'w'], 'train does not take --weights (it applies to check, eval, predict, export and quantize; dlc --help lists the options)'],
    [['export', 'net.dl', '--batch', '8'], 'export does not take --batch (it applies to compile, check, train, eval, predict and viz; dlc --help lists the options)'],
  ];
  for (const [args, message] of cases) {
    it(`${args[0]} ${args.slice(2).join(' ')}`, () => expect(() => parseCommandLine(args)).toThrow(expect.objectContaining({ name: 'UserError', message })));
  }

  it('each command still takes the options its help names', async () => {
    const ok: string[][] = [
      ['compile', 'n.dl', '-o', 'd', '--force', '--stats', '--model', 'm', '--batch', '4', '--clip-norm', '1'],
      ['check', 'n.dl', '--stats', '--clip-value', '1', '--weights', 'w'],
      ['train', 'n.dl', '-o', 'd', '--epochs', '2', '--lr', '0.1', '--seed', '1', '--data', 'd.csv', '--label', 'y', '--scale', '2', '--val-split', '0.2', '--adapter', 'gles',
        '--checkpoint-every', '1', '--save-best', '--resume', '--schedule', 'cosine', '--patience', '2'],
      ['tune', 'n.dl', '-o', 'd', '--overwrite', '--grid', 'lr=1e-3,3e-3', 'batch=8', '--objective', 'val_accuracy', '--seed', '1', '--data', 'd.csv', '--val-split', '0.2', '--adapter', 'gles', '--timeout', '9'],
      ['eval', 'n.dl', '--weights', 'w', '--data', 'd.npy', '--labels', 'l.npy', '--scale', '2', '--adapter', 'gles', '--batch', '8'],
      ['predict', 'n.dl', '--weights', 'w', '--data', 'd.csv', '--out', 'p.csv', '--label', 'y'],
      ['viz', 'n.dl', '-o', 'g.svg', '--format', 'svg', '--model', 'm'],
      ['export', 'n.dl', '--weights', 'w', '-o', 'd', '--max-batch', '8', '--format', 'native', '--force', '--model', 'm'],
      ['quantize', 'n.dl', '--weights', 'w', '-o', 'd', '--max-batch', '8', '--force', '--model', 'm'],
    ];
    for (const args of ok) expect(parseCommandLine(args).command).toBe(args[0]);
    expect(ok.map((a) => a[0])).toEqual([...COMMANDS]);
  });

  it('through the dlc command: one line, exit 1, nothing run', async () => {
    const r = await dlc(['eval', 'samples/blobs.dl', '--epochs', '3', '--data', 'samples/blobs.csv']);
    expect(r.stderr).toBe('dlc: eval does not take --epochs (it applies to train; dlc --help lists the options)\n');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
  });
});

describe('an unknown option', () => {
  it('is named in lower case with the nearest known option, as an unknown command is', () => {
    const message = (args: string[]): string => { try { parseCommandLine(args); return ''; } catch (err) { return (err as Error).message; } };
    expect(message(['train', 'n.dl', '--epoch', '3'])).toBe("unknown option '--epoch'; did you mean '--epochs'? (dlc --help lists the options)");
    expect(message(['train', 'n.dl', '--val_split=0.2'])).toBe("unknown option '--val_split'; did you mean '--val-split'? (dlc --help lists the options)");
    expect(message(['compile', 'n.dl', '--dump_ir'])).toBe("unknown option '--dump_ir'; did you mean '--dump-ir'? (dlc --help lists the options)");
    expect(message(['check', 'n.dl', '--fast'])).toBe("unknown option '--fast' (dlc --help lists the options)");
    expect(message(['train', 'n.dl', '--out'])).toBe("option '-o, --out <value>' argument missing (dlc --help lists the options)");
    expect(message(['train', 'n.dl', '--seed', '-1'])).toMatch(/ambiguous.*\(dlc --help lists the options; a negative value is written --flag=-1\)$/);
  });
});

describe('dlc --version', () => {
  it('prints the version in package.json, alone or after a command', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    for (const args of [['--version'], ['train', 'samples/mnist_mlp.dl', '--version']]) {
      const r = await dlc(args);
      expect(r.stdout).toBe(`dlc ${version}\n`);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  });
});

describe('train settings on the command line keep to the ranges a manifest may hold', () => {
  const cases: [string[], string][] = [
    [['train', 'net.dl', '--seed', '4294967296'], "--seed must be an integer from 0 to 4,294,967,295, got '4294967296'"],
    [['train', 'net.dl', '--batch', '16777217'], "--batch must be an integer from 1 to 16,777,216, got '16777217'"],
    [['train', 'net.dl', '--epochs', '1e300'], "--epochs must be an integer from 1 to 9,007,199,254,740,991, got '1e300'"],
    [['train', 'net.dl', '--seed=-1'], "--seed must be an integer ≥ 0, got '-1'"],
  ];
  for (const [args, message] of cases) {
    it(args.slice(2).join(' '), () => expect(() => parseCommandLine(args)).toThrow(expect.objectContaining({ name: 'UserError', message })));
  }
  it('the largest seed is taken', () => expect(parseCommandLine(['train', 'net.dl', '--seed', '4294967295']).opts.seed).toBe(4294967295));
});
