/**
 * One scratch buffer per executable for the tensors a oneDNN kernel keeps in
 * its own layout between its primitives (a convolution's blocked source,
 * weights and result). Kernels run one at a time, so every node's scratch
 * starts at offset 0 and the buffer is as large as the largest node's need,
 * not the sum. It is allocated on the first run, after every node has
 * reserved its part at compile time, and aligned to 64 bytes (a cache line:
 * oneDNN's vector loads on blocked layouts run fastest aligned).
 * @module
 */
import { ActlabError } from "../../core/errors.ts";

const ALIGN = 64;

function roundUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** A shared, lazily allocated scratch buffer. */
export class ScratchArena {
  private size = 0;
  private bytes: Uint8Array | null = null;

  /** Bytes the largest reservation needs. */
  get reservedBytes(): number {
    return this.size;
  }

  /**
   * Reserve regions of `sizes` bytes for one node; the returned function
   * gives their views at run time (the same views every run).
   */
  reserve(sizes: readonly number[]): () => Uint8Array[] {
    if (this.bytes) {
      throw new ActlabError(
        "scratch reserved after the first run",
        "reserve every node's scratch while compiling (a bug in a onednn-cpu kernel)",
      );
    }
    const offsets: number[] = [];
    let end = 0;
    for (const n of sizes) {
      offsets.push(end);
      end += roundUp(n);
    }
    this.size = Math.max(this.size, end);
    let views: Uint8Array[] | null = null;
    return () => (views ??= offsets.map((o, i) => this.buffer().subarray(o, o + sizes[i])));
  }

  /** Free the buffer now (detached, not left to the garbage collector); no run may follow. */
  release(): void {
    (this.bytes?.buffer as ArrayBuffer | undefined)?.transfer(0);
    this.bytes = null;
  }

  private buffer(): Uint8Array {
    if (!this.bytes) {
      const raw = new Uint8Array(this.size + ALIGN);
      const addr = Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(raw)));
      const skip = (ALIGN - (addr % ALIGN)) % ALIGN;
      this.bytes = raw.subarray(skip, skip + this.size);
    }
    return this.bytes;
  }
}
