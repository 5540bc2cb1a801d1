/**
 * Where and how `npm start` (server/app.mjs) serves its PeerServer, and so the defaults of every
 * client: `initSession`, `OT.initSession` and `createMeshTransport` all use these.
 */

/** The PeerServer's path, default of `peerjs.path`. */
export const DEFAULT_PEERJS_PATH = '/peerjs';

/** The PeerServer's key, default of `peerjs.key`. */
export const DEFAULT_PEERJS_KEY = 'peerjs';
