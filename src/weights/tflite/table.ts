// A small typed view over one FlatBuffers table, built on the `flatbuffers` package's ByteBuffer.
// Field numbers follow the declaration order in TensorFlow Lite's schema.fbs (field n lives at vtable slot
// 4 + 2n). Only reading is supported; see ./patch.ts for the one edit we make.
import { ByteBuffer } from 'flatbuffers';

export class FlatTable {
  constructor(
    readonly bb: ByteBuffer,
    /** Absolute byte position of the table in the buffer. */
    readonly position: number,
  ) {}

  /** Absolute position of field `field`'s value, or 0 when the field is absent. */
  fieldPosition(field: number): number {
    const relative = this.bb.__offset(this.position, 4 + 2 * field);
    return relative === 0 ? 0 : this.position + relative;
  }

  has(field: number): boolean {
    return this.fieldPosition(field) !== 0;
  }

  uint8(field: number, fallback = 0): number {
    const at = this.fieldPosition(field);
    return at ? this.bb.readUint8(at) : fallback;
  }

  int8(field: number, fallback = 0): number {
    const at = this.fieldPosition(field);
    return at ? this.bb.readInt8(at) : fallback;
  }

  int32(field: number, fallback = 0): number {
    const at = this.fieldPosition(field);
    return at ? this.bb.readInt32(at) : fallback;
  }

  uint32(field: number, fallback = 0): number {
    const at = this.fieldPosition(field);
    return at ? this.bb.readUint32(at) : fallback;
  }

  uint64(field: number, fallback = 0n): bigint {
    const at = this.fieldPosition(field);
    return at ? this.bb.readUint64(at) : fallback;
  }

  string(field: number): string | undefined {
    const at = this.fieldPosition(field);
    return at ? (this.bb.__string(at) as string) : undefined;
  }

  /** Sub-table at `field`, or undefined. */
  table(field: number): FlatTable | undefined {
    const at = this.fieldPosition(field);
    return at ? new FlatTable(this.bb, this.bb.__indirect(at)) : undefined;
  }

  /** Absolute position of the first element and the element count of a vector field (0, 0 when absent). */
  vector(field: number): { start: number; length: number } {
    const at = this.fieldPosition(field);
    if (!at) return { start: 0, length: 0 };
    return { start: this.bb.__vector(at), length: this.bb.__vector_len(at) };
  }

  tables(field: number): FlatTable[] {
    const { start, length } = this.vector(field);
    const result: FlatTable[] = [];
    for (let i = 0; i < length; i++) result.push(new FlatTable(this.bb, this.bb.__indirect(start + 4 * i)));
    return result;
  }

  int32s(field: number): number[] {
    const { start, length } = this.vector(field);
    return Array.from({ length }, (_, i) => this.bb.readInt32(start + 4 * i));
  }

  float32s(field: number): number[] {
    const { start, length } = this.vector(field);
    return Array.from({ length }, (_, i) => this.bb.readFloat32(start + 4 * i));
  }

  int64s(field: number): number[] {
    const { start, length } = this.vector(field);
    return Array.from({ length }, (_, i) => Number(this.bb.readInt64(start + 8 * i)));
  }

  /** A byte vector as a view into the underlying buffer (no copy). */
  bytes(field: number): Uint8Array {
    const { start, length } = this.vector(field);
    const all = this.bb.bytes();
    return all.subarray(start, start + length);
  }
}

/** Wraps a whole buffer and returns its root table. */
export function rootTable(bytes: Uint8Array): FlatTable {
  const bb = new ByteBuffer(bytes);
  return new FlatTable(bb, bb.readInt32(bb.position()) + bb.position());
}
