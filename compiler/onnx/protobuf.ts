// A protocol-buffers writer: the four wire types an ONNX model uses (varint, 64-bit is unused,
// length-delimited, 32-bit float). Messages are built inside out: a nested message is encoded
// first, then written as a length-delimited field of its parent.

const WIRE_VARINT = 0;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;

export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private scratch: number[] = [];

  /** An integer field (int32, int64 or enum); negative values take ten bytes, as int64 does. */
  int(field: number, value: number): this {
    if (!Number.isSafeInteger(value)) throw new Error(`internal error: protobuf int field ${field} given ${value}`);
    this.tag(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  /** A float field (fixed 32-bit, little-endian). */
  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.flush();
    this.chunks.push(b);
    return this;
  }

  /** A string field, UTF-8. */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** A bytes field, or an already encoded nested message. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LENGTH);
    this.varint(value.length);
    this.flush();
    this.chunks.push(value);
    return this;
  }

  /** A nested message, encoded by `write` into a writer of its own. */
  message(field: number, write: (w: ProtoWriter) => void): this {
    const w = new ProtoWriter();
    write(w);
    return this.bytes(field, w.finish());
  }

  /** The encoded bytes. */
  finish(): Uint8Array {
    this.flush();
    let n = 0;
    for (const c of this.chunks) n += c.length;
    const out = new Uint8Array(n);
    let at = 0;
    for (const c of this.chunks) { out.set(c, at); at += c.length; }
    this.chunks = [out];
    return out;
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** Base-128 varint; negatives as their 64-bit two's complement (BigInt keeps the high bits). */
  private varint(value: number): void {
    if (value >= 0 && value < 2 ** 31) {
      let v = value;
      while (v >= 0x80) { this.scratch.push((v & 0x7f) | 0x80); v >>>= 7; }
      this.scratch.push(v);
      return;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) { this.scratch.push(Number(v & 0x7fn) | 0x80); v >>= 7n; }
    this.scratch.push(Number(v));
  }

  private flush(): void {
    if (this.scratch.length === 0) return;
    this.chunks.push(Uint8Array.from(this.scratch));
    this.scratch = [];
  }
}
