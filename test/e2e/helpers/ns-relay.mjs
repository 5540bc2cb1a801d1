#!/usr/bin/env node
/**
 * Runs inside a lab host's network namespace and holds it (browser-lab.ts starts it as the
 * namespace's first process). It also relays TCP into the namespace: a unix socket (not bound to
 * any network namespace) at argv[2]; each client writes `<port>\n`, then its bytes go to
 * 127.0.0.1:<port> in here and back. The test's driver reaches a Firefox that listens on this
 * namespace's loopback that way (Puppeteer talks to Firefox over TCP; Chromium uses a pipe).
 * Prints `ready` once listening; exits when its stdin ends (the test process that started it is gone).
 */
import { connect, createServer } from 'node:net';

const socketPath = process.argv[2];
if (!socketPath) throw new Error('usage: ns-relay.mjs <unix socket path>');

const server = createServer((client) => {
  let head = '';
  const onData = (chunk) => {
    head += chunk.toString('latin1');
    const nl = head.indexOf('\n');
    if (nl < 0) {
      if (head.length > 16) client.destroy(); // not a port line
      return;
    }
    client.off('data', onData);
    client.pause();
    const port = Number(head.slice(0, nl));
    if (!Number.isInteger(port) || port < 1 || port > 65535) return void client.destroy();
    const target = connect(port, '127.0.0.1', () => {
      const rest = Buffer.from(head.slice(nl + 1), 'latin1');
      if (rest.length > 0) target.write(rest);
      client.pipe(target).pipe(client);
      client.resume();
    });
    target.on('error', () => client.destroy());
    client.on('error', () => target.destroy());
    target.on('close', () => client.destroy());
    client.on('close', () => target.destroy());
  };
  client.on('data', onData);
  client.on('error', () => {});
});
server.listen(socketPath, () => process.stdout.write('ready\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
