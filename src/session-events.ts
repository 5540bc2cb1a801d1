/** The events a Session dispatches and the objects their listeners get, as in OpenTok. */
import type { Connection } from './connection.js';
import type { LeaveReason } from './transport/types.js';
import type { SignalError } from './signal/errors.js';

/** Fields every session event has. */
export interface SessionEventBase<T extends string> {
  /** The event's name. */
  type: T;
  /** The Session that dispatched it. */
  target: unknown;
}

export interface SessionConnectEvent extends SessionEventBase<'sessionConnected'> {
  /** The other connections present when the session connected (each also gets `connectionCreated`). */
  connections: Connection[];
  /** Members the transport knew of but could not reach in time; they may still arrive. */
  missing: string[];
}

export interface ConnectionEvent extends SessionEventBase<'connectionCreated'> {
  connection: Connection;
}

export interface ConnectionDestroyedEvent extends SessionEventBase<'connectionDestroyed'> {
  connection: Connection;
  reason: LeaveReason;
}

/** A received signal. As in OpenTok, `type` is the signal's type ('' when it had none). */
export interface SignalEvent {
  type: string;
  data: string;
  from: Connection;
  target: unknown;
}

export interface SessionReconnectEvent extends SessionEventBase<'sessionReconnecting' | 'sessionReconnected'> {}

export interface SessionDisconnectEvent extends SessionEventBase<'sessionDisconnected'> {
  reason: 'clientDisconnected' | 'networkDisconnected' | 'forceDisconnected';
}

/** A peer sent something the session refused (malformed, oversize, unknown sender); it was dropped. */
export interface PeerErrorEvent extends SessionEventBase<'peerError'> {
  /** The peer, when it is known. */
  from: Connection | undefined;
  reason: string;
}

/** Whether this client has a working link to a member right now (see `connectionLinkChanged`). */
export type LinkState = 'linked' | 'away';

/**
 * A member's link died and is being re-formed (`away`: it is still a member, signals to it are
 * held), or it is linked again (`linked`). Not an OpenTok event: for showing link health.
 */
export interface ConnectionLinkEvent extends SessionEventBase<'connectionLinkChanged'> {
  connection: Connection;
  state: LinkState;
}

/**
 * The outcome of a signal that an earlier page of this tab sent but did not see acknowledged
 * (its completion handler died with that page). It was sent again after the reload with its
 * original id; `error` is null when every remaining target acknowledged it.
 */
export interface OutboxSignalEvent extends SessionEventBase<'outboxSignal'> {
  signal: { id: number; type: string; data: string; to: string[] };
  error: SignalError | null;
}

/** Something meant to survive a reload cannot be kept (no IndexedDB, private mode, full quota). */
export interface StorageWarningEvent extends SessionEventBase<'storageWarning'> {
  reason: string;
}

/** Event name → event object, so `session.on('signal:chat', (e) => e.data)` is typed. */
export type SessionEvents = {
  sessionConnected: SessionConnectEvent;
  connectionCreated: ConnectionEvent;
  connectionDestroyed: ConnectionDestroyedEvent;
  signal: SignalEvent;
  sessionReconnecting: SessionReconnectEvent;
  sessionReconnected: SessionReconnectEvent;
  sessionDisconnected: SessionDisconnectEvent;
  peerError: PeerErrorEvent;
  connectionLinkChanged: ConnectionLinkEvent;
  outboxSignal: OutboxSignalEvent;
  storageWarning: StorageWarningEvent;
} & { [type: `signal:${string}`]: SignalEvent };
