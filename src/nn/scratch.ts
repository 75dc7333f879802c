/**
 * A float32 work buffer that grows to the largest size asked of it and hands
 * out exact-length views, so a layer allocates once for its largest batch
 * instead of once per batch.
 */
export class ScratchBuffer {
  private buffer = new Float32Array(0);

  /** A view of exactly `length` elements; its contents are whatever was left there. Invalidates earlier views' meaning. */
  view(length: number): Float32Array {
    if (this.buffer.length < length) this.buffer = new Float32Array(length);
    return this.buffer.subarray(0, length);
  }
}
