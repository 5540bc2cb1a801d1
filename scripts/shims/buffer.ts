/**
 * Stands in for the `buffer` package in the browser bundles (scripts/esbuild-options.mjs aliases
 * it; ~7 KB min+gzip). With readable-stream, randombytes and debug also replaced
 * (scripts/shims/), simple-peer's only use left is `_onChannelMessage`: `Buffer.from(arrayBuffer)`
 * to wrap a received binary message. A Uint8Array view does the same without copying, and
 * `Link` (src/mesh/link.ts) and `parseFrameBytes` (src/wire/mesh-frames.ts) take Uint8Arrays.
 */
export const Buffer = {
  from(data: ArrayBuffer | ArrayBufferView | ArrayLike<number>): Uint8Array {
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return Uint8Array.from(data);
  },
  isBuffer(x: unknown): boolean {
    return x instanceof Uint8Array;
  },
};
export default { Buffer };
