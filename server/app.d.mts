import type { Server } from 'node:http';

export declare const PEERJS_KEY: string;
/** Largest WebSocket message the PeerServer accepts; a bigger one closes the socket (1009). */
export declare const MAX_WS_PAYLOAD_BYTES: number;
/** Per-socket budgets (burst: twice as much); over them the socket is closed (1008). */
export declare const MAX_WS_MESSAGES_PER_SECOND: number;
export declare const MAX_WS_BYTES_PER_SECOND: number;

export interface StartServerOptions {
  /** Interface to bind; default '0.0.0.0' (every interface, for a LAN). */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Where the PeerServer lives (PeerJS clients pass it as `path`); default '/peerjs'. */
  peerPath?: string;
  /** Served at '/'; default the repository's dist/. */
  staticDir?: string;
  /** More static folders by URL prefix, relative to the repository: `{ '/e2e': 'test/e2e/pages' }`. */
  mounts?: Record<string, string>;
  /** One line per notable event; default silent. */
  log?: (line: string) => void;
  /** Extra PeerServer options (`alive_timeout`, `expire_timeout`, ...). */
  peerOptions?: Record<string, unknown>;
}

export interface RunningServer {
  /** `http://host:port/`; '/' redirects to the demo. */
  url: string;
  host: string;
  port: number;
  peerPath: string;
  key: string;
  server: Server;
  /**
   * Ends every socket and the HTTP server; resolves once closed. Safe to call twice. The
   * PeerServer's housekeeping timers (`peer` has no stop) run until the process exits.
   */
  close(): Promise<void>;
}

export declare function startServer(options?: StartServerOptions): Promise<RunningServer>;
