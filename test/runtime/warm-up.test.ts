// Session.warmUp compiles every kernel ahead of the first step (Mesa compiles at the first dispatch)
// without touching the model: one dispatch per distinct pipeline, on scratch buffers.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { parseCsv } from '../../runtime/data/csv.ts';
import { Session } from '../../runtime/session.ts';
import { ADAPTERS, useDevice } from '../helpers/gpu.ts';

const source = readFileSync('samples/blobs.dl', 'utf8');

for (const kind of ADAPTERS) {
  describe(`warmUp on ${kind}`, () => {
    const device = useDevice(kind);
    it('dispatches each distinct pipeline once and leaves weights, state and step as they were', async (t) => {
      const h = device();
      if (!h) return t.skip();
      const artifact = compile(source, { file: 'blobs.dl' }).artifact!;
      const m = artifact.manifest;
      const data = parseCsv(readFileSync('samples/blobs.csv', 'utf8'), 'samples/blobs.csv', m, {});
      const batch = Object.fromEntries(m.inputs.map((i) => {
        const per = i.shape.slice(1).reduce((a, b) => a * b, 1);
        return [i.name, data.tensors[i.name]!.subarray(0, m.batch * per)];
      }));
      const warmed = await Session.create(artifact, h.device);
      const cold = await Session.create(artifact, h.device);
      const before = { weights: await warmed.weights(), state: await warmed.stateTensors() };
      const pipelines = new Set(m.kernels.map((k) => `${k.bindings.map((b) => b.access).join(',')}\n${artifact.shaders[k.shader]}`)).size;
      expect(await warmed.warmUp()).toBe(pipelines);
      expect(await warmed.weights()).toEqual(before.weights);
      expect(await warmed.stateTensors()).toEqual(before.state);
      expect(warmed.step).toBe(0);
      // The first step after warming up computes what a cold session's first step does, bit for bit.
      expect(await warmed.trainStep(batch, { readLoss: true })).toBe(await cold.trainStep(batch, { readLoss: true }));
      expect(await warmed.weights()).toEqual(await cold.weights());
      warmed.dispose();
      cold.dispose();
    });
  });
}
