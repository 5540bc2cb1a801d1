/**
 * Stands in for `peerjs-js-binarypack` in the browser bundles (scripts/esbuild-options.mjs aliases
 * it; ~2.6 KB min+gzip). PeerJS uses it only for DataConnections with `serialization: 'binary'`
 * (its default). mesh-signal opens none: a newcomer talks to the holder through PeerServer
 * messages, and the DataConnections a holder still accepts (src/bootstrap/peerjs.ts) carry raw
 * strings. Should a peer open a binary one anyway, what it sends arrives as bytes that the wire
 * (`parseFrameBytes`) refuses as a frame, and a reply on it throws inside `conn.send`, which
 * `PeerJsChannel.send` catches by closing the channel.
 */
export function pack(): never {
  throw new Error('mesh-signal: PeerJS binary serialization is not bundled (use serialization "raw")');
}

/** The bytes as they came: no PeerJS chunk header is ever found in them. */
export function unpack(data: ArrayBuffer): unknown {
  return data;
}
