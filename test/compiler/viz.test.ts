// dlc viz: the layer graph (layers with parameter counts, values with per-sample shapes), and its
// DOT, Mermaid and SVG renderings; through the command, files written and bad formats refused.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { layerGraph, toDot, toMermaid, toSvg } from '../../compiler/viz.ts';
import { dlc, ROOT } from '../helpers/cli.ts';

const graphOf = (f: string) => layerGraph(compile(readFileSync(join(ROOT, 'samples', f), 'utf8'), { fuse: false }));

describe('layer graph', () => {
  it('the MNIST CNN: a chain from the image to the logits, shapes on the edges, parameters on the layers', () => {
    const lg = graphOf('mnist_cnn.dl');
    expect(lg.nodes.map((n) => n.label)).toEqual(['image', 'conv2d_1', 'relu_1', 'maxpool_1', 'conv2d_2', 'relu_2', 'maxpool_2', 'flatten_1', 'dense_1', 'relu_3', 'dropout_1', 'dense_2', 'logits']);
    expect(lg.edges.map((e) => e.label)).toEqual(['(1, 28, 28)', '(32, 26, 26)', '(32, 26, 26)', '(32, 13, 13)', '(64, 11, 11)', '(64, 11, 11)', '(64, 5, 5)', '(1600)', '(128)', '(128)', '(128)', '(10)']);
    expect(lg.nodes.find((n) => n.label === 'conv2d_2')!.detail).toBe('conv2d · 18,496 params');
  });
  it('a residual network has its skip connections as a second edge into the add', () => {
    const lg = graphOf('residual_mlp.dl');
    const adds = lg.nodes.filter((n) => n.label === 'add');
    expect(adds).toHaveLength(2);
    for (const a of adds) expect(lg.edges.filter((e) => e.to === a.id)).toHaveLength(2);
  });
  it('a fused compile draws the same layer graph, from its snapshot before fusion', () => {
    for (const f of ['mnist_cnn.dl', 'residual_mlp.dl', 'resnet_mini.dl']) {
      const fused = compile(readFileSync(join(ROOT, 'samples', f), 'utf8'));
      expect(fused.snapshots?.programs, f).toBeDefined();
      expect(fused.artifact!.manifest.kernels.some((k) => k.name.includes('+')), f).toBe(true);
      expect(layerGraph(fused), f).toEqual(graphOf(f));
    }
  });
  it('renders DOT, Mermaid and SVG with every node and edge', () => {
    const lg = graphOf('mnist_mlp.dl');
    const dot = toDot(lg);
    expect(dot).toContain('digraph "mnist_mlp" {');
    expect(dot).toContain('n1 [label="dense_1\\ndense · 100,480 params"];');
    expect(dot).toContain('n0 -> n1 [label="(784)"];');
    expect(dot.match(/->/g)).toHaveLength(lg.edges.length);
    const mmd = toMermaid(lg);
    expect(mmd.split('\n')[0]).toBe('flowchart TD');
    expect(mmd).toContain('n2 -->|"(128)"| n3');
    const svg = toSvg(lg);
    expect(svg.match(/<rect /g)).toHaveLength(lg.nodes.length + 1); // + background
    expect(svg.match(/marker-end/g)).toHaveLength(lg.edges.length);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
  });
});

describe('dlc viz', () => {
  it('prints DOT by default, writes the format its -o extension names, and refuses an unknown format', () => {
    const r = dlc(['viz', 'samples/mnist_mlp.dl']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('digraph "mnist_mlp" {')).toBe(true);
    const out = join(mkdtempSync(join(tmpdir(), 'dlc-viz-')), 'net.svg');
    const w = dlc(['viz', 'samples/mnist_cnn.dl', '-o', out]);
    expect(w.stdout).toBe(`wrote ${out} (13 nodes, 12 edges)\n`);
    expect(readFileSync(out, 'utf8').startsWith('<svg ')).toBe(true);
    const bad = dlc(['viz', 'samples/mnist_mlp.dl', '--format', 'png']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("dlc: --format must be one of dot, mermaid, svg, got 'png'\n");
    const noExt = join(mkdtempSync(join(tmpdir(), 'dlc-viz-')), 'graph.png');
    expect(dlc(['viz', 'samples/mnist_mlp.dl', '-o', noExt]).stderr).toBe(`dlc: -o ${noExt}: name a .dot, .mmd or .svg file, or give --format\n`);
    expect(existsSync(noExt)).toBe(false);
  });
});
