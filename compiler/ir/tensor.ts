// Float64 tensors for the CPU reference (the oracle every kernel and pass is checked against).

export interface Tensor {
  shape: number[];
  data: Float64Array;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensor(shape: number[], data?: ArrayLike<number>): Tensor {
  const t = { shape: [...shape], data: new Float64Array(numel(shape)) };
  if (data) t.data.set(data);
  return t;
}

/** Row-major strides. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]!; }
  return s;
}

/** Numpy broadcasting of two shapes; undefined when incompatible. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/**
 * For an input of shape `inShape` broadcast to `outShape`: the input's stride for each output
 * axis (0 where the input is broadcast). Used by both the reference and WGSL index math.
 */
export function broadcastStrides(inShape: readonly number[], outShape: readonly number[]): number[] {
  const st = strides(inShape);
  const off = outShape.length - inShape.length;
  return outShape.map((_, i) => {
    const j = i - off;
    if (j < 0) return 0;
    return inShape[j] === 1 ? 0 : st[j]!;
  });
}

/** Maps each flat output index to the flat input index under broadcasting. */
export function broadcastIndex(outShape: readonly number[], inStrides: readonly number[]): (flat: number) => number {
  const os = strides(outShape);
  return (flat) => {
    let idx = 0;
    let rem = flat;
    for (let i = 0; i < outShape.length; i++) {
      const c = Math.floor(rem / os[i]!);
      rem -= c * os[i]!;
      idx += c * inStrides[i]!;
    }
    return idx;
  };
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function shapeStr(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}
