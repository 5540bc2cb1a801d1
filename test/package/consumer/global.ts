// A page script typed against the classic build (`<script src="mesh-signal.global.js">`):
// `mesh-signal/global` declares `window.OT`.
import 'mesh-signal/global';

const session = OT.initSession('api-key', 'room');
session.on('signal:msg', (event) => console.log(event.data, event.from.connectionId));
session.connect('token', (error) => console.log(error?.name));
// OpenTok's stream events type-check (they never fire here).
session.on('streamCreated', (event) => {
  session.subscribe(event.stream, 'subscriber', { insertMode: 'append' }, (error) => console.log(error?.name));
});
// @ts-expect-error checkSystemRequirements takes no argument and returns 0 | 1, not a string
const wrong: string = OT.checkSystemRequirements();
console.log(wrong);
