// The drawing pad: white strokes on black, drawn from pointer events (mouse, pen or touch) as
// continuous lines, read back as grey levels for demo/digit.ts.
import { FIELD } from './digit.ts';

/** Stroke width in pad pixels: about 2.2 MNIST pixels once a full-height digit is scaled to 20. */
const PEN_WIDTH = 22;

export class Pad {
  private readonly g: CanvasRenderingContext2D;
  private last: { x: number; y: number } | undefined;

  constructor(readonly canvas: HTMLCanvasElement, onChange: () => void) {
    this.g = canvas.getContext('2d', { willReadFrequently: true })!;
    this.clear();
    canvas.addEventListener('pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      this.last = this.at(e);
      this.line(this.last, this.last);
      onChange();
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!this.last) return;
      const p = this.at(e);
      this.line(this.last, p);
      this.last = p;
    });
    const end = (): void => {
      if (this.last) onChange();
      this.last = undefined;
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  clear(): void {
    this.g.fillStyle = '#000';
    this.g.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /** The pad's grey levels in [0, 1], row-major, canvas.width × canvas.height. */
  grey(): Float32Array {
    const { width: w, height: h } = this.canvas;
    const rgba = this.g.getImageData(0, 0, w, h).data;
    const out = new Float32Array(w * h);
    for (let i = 0; i < out.length; i++) out[i] = rgba[i * 4]! / 255;
    return out;
  }

  /** Paints a 28×28 field over the whole pad, each of its pixels a block (for tests and examples). */
  paint(field: ArrayLike<number>): void {
    const s = this.canvas.width / FIELD;
    for (let i = 0; i < FIELD * FIELD; i++) {
      const v = Math.round(field[i]! * 255);
      this.g.fillStyle = `rgb(${v},${v},${v})`;
      this.g.fillRect((i % FIELD) * s, Math.floor(i / FIELD) * s, s, s);
    }
  }

  /** Pointer position in canvas pixels (the canvas may be shown scaled). */
  private at(e: PointerEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * this.canvas.width) / r.width, y: ((e.clientY - r.top) * this.canvas.height) / r.height };
  }

  private line(a: { x: number; y: number }, b: { x: number; y: number }): void {
    const g = this.g;
    g.strokeStyle = '#fff';
    g.lineWidth = PEN_WIDTH;
    g.lineCap = 'round';
    g.lineJoin = 'round';
    g.beginPath();
    g.moveTo(a.x, a.y);
    g.lineTo(b.x, b.y);
    g.stroke();
  }
}
