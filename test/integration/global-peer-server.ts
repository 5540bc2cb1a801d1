/**
 * vitest globalSetup of the `integration` project: one PeerServer for the whole run, on
 * 127.0.0.1 and a free port, given to tests as `inject('peerServerPort')`.
 */
import type { TestProject } from 'vitest/node';
import { startPeerServer } from './helpers/peer-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    peerServerPort: number;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPeerServer();
  project.provide('peerServerPort', server.port);
  return () => server.stop();
}
