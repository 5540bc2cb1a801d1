// A consumer of the installed package, type-checked by test/package/pack.test.ts (never run).
import { initSession, OT, OTError, SignalError, type Session, type SignalEvent } from 'mesh-signal';
import { createMemoryNetwork, type MemoryNetwork } from 'mesh-signal/testing';

const session: Session = initSession('room', { peerjs: { host: 'localhost', port: 8080 } });
session.on('signal:chat', (event: SignalEvent) => {
  const text: string = event.data;
  const mine: boolean = event.from.connectionId === session.connection?.connectionId;
  console.log(text, mine);
});
void session.signal({ type: 'chat', data: 'hello' }, (error) => {
  if (error) console.log(error.code, error.name, error.failures.length);
});

// An app's own tests: the in-memory network from mesh-signal/testing.
const network: MemoryNetwork = createMemoryNetwork({ latencyMs: 1 });
const tested: Session = initSession('room', { transport: network.transport });
void tested.connect({ data: 'test' });

// The OpenTok flavour, as an app written for @opentok/client uses it.
const otSession = OT.initSession('api-key', 'room');
otSession.connect('token', (error) => {
  if (error instanceof SignalError) console.log(error.name);
});
const publisher = OT.initPublisher('publisher', { insertMode: 'append' }, (error) => {
  if (error instanceof OTError) console.log(error.name, error.code);
});
otSession.publish(publisher, (error) => console.log(error?.name));
OT.on('exception', (event) => console.log(event.code, event.title));
const supported: 0 | 1 = OT.checkSystemRequirements();
console.log(supported, OT.version);

// The types are real, not `any`: these must not compile.
// @ts-expect-error data must be a string
void session.signal({ type: 'chat', data: 42 });
// @ts-expect-error initSession needs a session id
initSession();
