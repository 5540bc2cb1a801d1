/**
 * One client of a session, as OpenTok's `Connection`: who sent a signal (`event.from`) and
 * whom to send one to (`signal({ to })`).
 *
 * @example
 * session.on('connectionCreated', (e) => console.log(e.connection.connectionId, e.connection.data));
 */
export class Connection {
  constructor(
    /** Unique for this client's stay in the session. */
    readonly connectionId: string,
    /** When the client connected, in milliseconds since the epoch. */
    readonly creationTime: number,
    /** The string the client passed as `connect({ data })`. */
    readonly data: string,
  ) {
    Object.freeze(this);
  }
}

/** What a peer tells about itself when a link opens: a Connection as plain data. */
export interface ConnectionInfo {
  connectionId: string;
  creationTime: number;
  data: string;
}

/** Longest `connect({ data })` string, as OpenTok caps token data. */
export const MAX_CONNECTION_DATA_CHARS = 1000;
