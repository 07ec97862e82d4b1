// dlc viz: the layer graph (layers with parameter counts, values with per-sample shapes), and its
// DOT, Mermaid and SVG renderings; through the command, files written and bad formats refused.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { layerRows } from '../../compiler/layer-rows.ts';
import { layerGraph, toDot, toMermaid, toSvg } from '../../compiler/viz.ts';
import { dlc, ROOT } from '../helpers/cli.ts';
import { inside, onBorder, overlap, readGraphSvg, samplePath } from '../helpers/svg-geometry.ts';

const graphOf = (f: string) => layerGraph(compile(readFileSync(join(ROOT, 'samples', f), 'utf8'), { fuse: false }));

describe('layer graph', () => {
  it('the MNIST CNN: a chain from the image to the logits, shapes on the edges, parameters on the layers', async () => {
    const lg = graphOf('mnist_cnn.dl');
    expect(lg.nodes.map((n) => n.label)).toEqual(['image', 'conv2d_1', 'relu_1', 'maxpool_1', 'conv2d_2', 'relu_2', 'maxpool_2', 'flatten_1', 'dense_1', 'relu_3', 'dropout_1', 'dense_2', 'logits']);
    expect(lg.edges.map((e) => e.label)).toEqual(['(1, 28, 28)', '(32, 26, 26)', '(32, 26, 26)', '(32, 13, 13)', '(64, 11, 11)', '(64, 11, 11)', '(64, 5, 5)', '(1600)', '(128)', '(128)', '(128)', '(10)']);
    expect(lg.nodes.find((n) => n.label === 'conv2d_2')!.detail).toBe('18,496 params');
  });
  it('a residual network has its skip connections as a second edge into the add', async () => {
    const lg = graphOf('residual_mlp.dl');
    const adds = lg.nodes.filter((n) => n.label.startsWith('add_'));
    expect(adds.map((a) => a.label)).toEqual(['add_1', 'add_2']);
    for (const a of adds) expect(lg.edges.filter((e) => e.to === a.id)).toHaveLength(2);
  });
  it("agrees with dlc check: the same names (add_1, add_2), parameters counted alike (batch norm's statistics too), connections", () => {
    for (const f of ['resnet_mini.dl', 'residual_mlp.dl', 'regression.dl', 'mnist_cnn.dl']) {
      const r = compile(readFileSync(join(ROOT, 'samples', f), 'utf8'), { fuse: false });
      const all = layerRows(r);
      // The graph leaves out inputs that feed no layer (the labels belong to the loss).
      const rows = all.filter((row) => row.type !== 'input' || all.some((o) => o.inputs.includes(row.name)));
      const lg = layerGraph(r);
      const layers = lg.nodes.filter((n) => n.kind !== 'output');
      expect(layers.map((n) => n.label), f).toEqual(rows.map((row) => row.name));
      const nameOf = new Map(lg.nodes.map((n) => [n.id, n.label]));
      expect(lg.edges.filter((e) => !e.to.startsWith('out:')).map((e) => `${nameOf.get(e.from)}->${nameOf.get(e.to)}`), f)
        .toEqual(rows.flatMap((row) => row.inputs.map((from) => `${from}->${row.name}`)));
      for (const row of rows) {
        const count = row.trainable + row.nonTrainable;
        const detail = layers.find((n) => n.label === row.name)!.detail;
        if (count > 0) expect(detail, `${f} ${row.name}`).toContain(`${count.toLocaleString('en-US')} params`);
        // Name and type once: a generated name says the type, so the detail does not repeat it.
        if (row.type !== 'input') expect(detail.split(' · ')[0], `${f} ${row.name}`).not.toBe(row.type);
      }
    }
    const resnet = graphOf('resnet_mini.dl');
    expect(resnet.nodes.find((n) => n.label === 'batchnorm_1')!.detail).toBe('64 params');
    expect(resnet.nodes.filter((n) => n.label.startsWith('add')).map((n) => [n.label, n.detail])).toEqual([['add_1', ''], ['add_2', '']]);
  });
  it('shows a fused activation and a scale factor (regression.dl: dense(32, activation: gelu), 0.5 * h)', () => {
    const lg = graphOf('regression.dl');
    const detail = (label: string) => lg.nodes.find((n) => n.label === label)!.detail;
    expect(detail('dense_2')).toBe('gelu · 1,056 params');
    expect(detail('scale_1')).toBe('×0.5');
    expect(detail('dense_1')).toBe('288 params');
    expect(toDot(lg)).toContain('[label="add_1"];');
  });
  it('a fused compile draws the same layer graph, from its snapshot before fusion', () => {
    for (const f of ['mnist_cnn.dl', 'residual_mlp.dl', 'resnet_mini.dl']) {
      const fused = compile(readFileSync(join(ROOT, 'samples', f), 'utf8'));
      expect(fused.snapshots?.programs, f).toBeDefined();
      expect(fused.artifact!.manifest.kernels.some((k) => k.name.includes('+')), f).toBe(true);
      expect(layerGraph(fused), f).toEqual(graphOf(f));
    }
  });
  it('renders DOT, Mermaid and SVG with every node and edge', async () => {
    const lg = graphOf('mnist_mlp.dl');
    const dot = toDot(lg);
    expect(dot).toContain('digraph "mnist_mlp" {');
    expect(dot).toContain('n1 [label="dense_1\\n100,480 params"];');
    expect(dot).toContain('n0 -> n1 [label="(784)"];');
    expect(dot.match(/->/g)).toHaveLength(lg.edges.length);
    const mmd = toMermaid(lg);
    expect(mmd.split('\n')[0]).toBe('flowchart TD');
    expect(mmd).toContain('n2 -->|"(128)"| n3');
    const svg = toSvg(lg);
    expect(svg.match(/<rect class="node" /g)).toHaveLength(lg.nodes.length);
    expect(svg.match(/marker-end/g)).toHaveLength(lg.edges.length);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
  });
});

describe('the SVG drawing (dagre layout)', () => {
  // The residual samples have skip connections (a second edge into each add) that a one-column
  // layout drew behind the nodes between; regression.dl's labels once overlapped.
  for (const sample of ['resnet_mini.dl', 'residual_mlp.dl', 'regression.dl']) {
    it(`${sample}: every DOT edge is drawn border to border through no node; no label touches a node, another label or an edge`, async () => {
      const lg = graphOf(sample);
      const dotEdges = [...toDot(lg).matchAll(/^ {2}(n\d+) -> (n\d+) \[label="([^"]*)"\];$/gm)].map((m) => ({ from: m[1]!, to: m[2]!, label: m[3]! }));
      expect(dotEdges).toHaveLength(lg.edges.length);
      const drawn = readGraphSvg(toSvg(lg));
      expect(drawn.nodes.size).toBe(lg.nodes.length);
      expect(drawn.edges).toHaveLength(dotEdges.length);
      const problems: string[] = [];
      for (const e of dotEdges) {
        const name = `${e.from}->${e.to}`;
        const paths = drawn.edges.filter((p) => p.from === e.from && p.to === e.to);
        const labels = drawn.labels.filter((l) => l.from === e.from && l.to === e.to);
        if (paths.length !== 1 || labels.length !== 1) {
          problems.push(`${name}: ${paths.length} paths, ${labels.length} labels`);
          continue;
        }
        if (labels[0]!.text !== e.label) problems.push(`${name}: label '${labels[0]!.text}', DOT says '${e.label}'`);
        const pts = samplePath(paths[0]!.d);
        if (!onBorder(pts[0]!, drawn.nodes.get(e.from)!)) problems.push(`${name}: does not start on ${e.from}'s border`);
        if (!onBorder(pts.at(-1)!, drawn.nodes.get(e.to)!)) problems.push(`${name}: does not end on ${e.to}'s border`);
        for (const [id, box] of drawn.nodes) if (pts.some((p) => inside(p, box, 1))) problems.push(`${name}: passes through node ${id}`);
      }
      drawn.labels.forEach((a, i) => {
        const name = `label of ${a.from}->${a.to}`;
        for (const b of drawn.labels.slice(i + 1)) if (overlap(a.box, b.box)) problems.push(`${name} overlaps the label of ${b.from}->${b.to}`);
        for (const [id, box] of drawn.nodes) if (overlap(a.box, box)) problems.push(`${name} overlaps node ${id}`);
        for (const e of drawn.edges) if (samplePath(e.d).some((p) => inside(p, a.box))) problems.push(`${name} is crossed by ${e.from}->${e.to}`);
      });
      expect(problems).toEqual([]);
      // The skip connections: each add has two drawn inputs, from different nodes.
      const adds = lg.nodes.map((n, i) => ({ n, id: `n${i}` })).filter(({ n }) => n.label.startsWith('add_'));
      expect(adds.length).toBeGreaterThan(0);
      for (const { id } of adds) expect(new Set(drawn.edges.filter((e) => e.to === id).map((e) => e.from)).size).toBe(2);
    });
  }

  // rsvg-convert (Debian: librsvg2-bin) parses the SVG as XML and renders it: PNGs to look at.
  const rsvg = spawnSync('rsvg-convert', ['--version']).status === 0;
  (rsvg || process.env.CI ? it : it.skip)('renders with rsvg-convert to PNGs of the SVG size (test-output/viz/*.png, to look at)', () => {
    const out = join(ROOT, 'test-output', 'viz');
    mkdirSync(out, { recursive: true });
    for (const sample of ['resnet_mini', 'residual_mlp', 'regression', 'mnist_cnn']) {
      const svg = toSvg(graphOf(`${sample}.dl`));
      writeFileSync(join(out, `${sample}.svg`), svg);
      const r = spawnSync('rsvg-convert', [join(out, `${sample}.svg`), '-o', join(out, `${sample}.png`)], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const png = readFileSync(join(out, `${sample}.png`));
      const [w, h] = /width="(\d+)" height="(\d+)"/.exec(svg)!.slice(1).map(Number);
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([w, h]);
    }
  });
});

describe('dlc viz', () => {
  it('prints DOT by default, writes the format its -o extension names, and refuses an unknown format', async () => {
    const r = await dlc(['viz', 'samples/mnist_mlp.dl']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('digraph "mnist_mlp" {')).toBe(true);
    const out = join(mkdtempSync(join(tmpdir(), 'dlc-viz-')), 'net.svg');
    const w = await dlc(['viz', 'samples/mnist_cnn.dl', '-o', out]);
    expect(w.stdout).toBe(`wrote ${out} (13 nodes, 12 edges)\n`);
    expect(readFileSync(out, 'utf8').startsWith('<svg ')).toBe(true);
    const bad = await dlc(['viz', 'samples/mnist_mlp.dl', '--format', 'png']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("dlc: --format must be one of dot, gv, mermaid, mmd, svg, got 'png'\n");
    const noExt = join(mkdtempSync(join(tmpdir(), 'dlc-viz-')), 'graph.png');
    expect((await dlc(['viz', 'samples/mnist_mlp.dl', '-o', noExt])).stderr).toBe(`dlc: -o ${noExt}: name a .dot, .mmd or .svg file, or give --format\n`);
    expect(existsSync(noExt)).toBe(false);
  });
  it('--format takes the names -o takes by extension: mmd as mermaid, gv as dot', async () => {
    const mmd = await dlc(['viz', 'samples/mnist_mlp.dl', '--format', 'mmd']);
    expect(mmd.stderr).toBe('');
    expect(mmd.stdout.split('\n')[0]).toBe('flowchart TD');
    expect((await dlc(['viz', 'samples/mnist_mlp.dl', '--format', 'gv'])).stdout.startsWith('digraph "mnist_mlp" {')).toBe(true);
  });
});
