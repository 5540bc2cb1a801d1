/**
 * `mesh-signal/testing`: what apps' own tests use, kept out of the entry pages load (issue 10's
 * weight budget). An in-memory network: sessions in one process reach each other with no WebRTC
 * and no server, with faults to inject.
 *
 * @example
 * import { initSession } from 'mesh-signal';
 * import { createMemoryNetwork } from 'mesh-signal/testing';
 * const network = createMemoryNetwork();
 * const a = initSession('room', { transport: network.transport });
 */
export { createMemoryNetwork, type MemoryNetwork, type MemoryNetworkOptions, type DropRule } from './transport/memory.js';
