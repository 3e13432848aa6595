/**
 * A growable byte buffer for insert bodies. Each row's text is encoded into it as soon as it is
 * built, so row strings die young: holding a whole batch of row strings until a final join made
 * the young-generation GC copy them over and over (measured: GC was two thirds of row building).
 */
export class RowBuffer {
  private buffer: Buffer;
  private length = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  append(text: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    const worst = text.length * 3;
    if (this.length + worst > this.buffer.length) this.grow(this.length + worst);
    this.length += this.buffer.write(text, this.length, 'utf8');
  }

  /** The bytes written so far (a view, not a copy). */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private grow(needed: number): void {
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }
}
