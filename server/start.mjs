#!/usr/bin/env node
/**
 * `npm start`: serves the demo page and a PeerServer on one port, for a session on this machine
 * or on a LAN with no internet. (npm start builds dist/ first.)
 *
 *   node server/start.mjs [--host 0.0.0.0] [--port 8080]      (or env HOST / PORT)
 *
 * The default host serves every interface, because that is what an offline LAN session needs;
 * pass --host 127.0.0.1 to keep it on this machine.
 */
import { networkInterfaces } from 'node:os';
import { parseArgs } from 'node:util';
import { startServer } from './app.mjs';

const USAGE = `usage: node server/start.mjs [--host HOST] [--port PORT]
  --host  interface to listen on (env HOST; default 0.0.0.0 = every interface, for the LAN)
  --port  TCP port (env PORT; default 8080; 0 = any free port)`;

function options() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`${error.message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const host = values.host ?? process.env.HOST ?? '0.0.0.0';
  const portText = values.port ?? process.env.PORT ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    console.error(`port must be a number from 0 to 65535, got '${portText}'\n${USAGE}`);
    process.exit(2);
  }
  return { host, port };
}

/** This machine's addresses others on the LAN can open (read locally; nothing is contacted). */
function lanAddresses(family) {
  const found = [];
  for (const [name, entries] of Object.entries(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.internal) continue;
      if (family === 'IPv4' && entry.family !== 'IPv4') continue;
      // Link-local IPv6 needs a zone id in a URL: browsers will not open it. Skip.
      if (entry.family === 'IPv6' && entry.address.toLowerCase().startsWith('fe80')) continue;
      found.push({ name, address: entry.address, family: entry.family });
    }
  }
  return found;
}

const urlFor = (address, port) =>
  `http://${address.includes(':') ? `[${address}]` : address}:${port}/`;

async function main() {
  const { host, port } = options();
  const stamp = () => new Date().toISOString().slice(11, 19);
  const server = await startServer({ host, port, log: (line) => console.log(`${stamp()} ${line}`) }).catch(
    (error) => {
      console.error(
        error.code === 'EADDRINUSE'
          ? `port ${port} is in use on ${host}: pick another with --port`
          : `could not start: ${error.message}`,
      );
      process.exit(1);
    },
  );

  const everywhere = host === '0.0.0.0' || host === '::';
  const lines = ['', 'mesh-signal demo and PeerServer', ''];
  if (everywhere) {
    lines.push(`  On this machine:  ${urlFor('localhost', server.port)}`);
    const lan = lanAddresses(host === '0.0.0.0' ? 'IPv4' : 'any');
    for (const { name, address } of lan) lines.push(`  On the LAN (${name}):  ${urlFor(address, server.port)}`);
    if (lan.length === 0) lines.push('  (no LAN interface is up: only this machine can join)');
  } else {
    lines.push(`  Open:  ${urlFor(host, server.port)}`);
  }
  lines.push(
    '',
    `  PeerServer:  path ${server.peerPath}, key ${server.key} (the demo page uses these by default)`,
    '  OpenTok apps: <script src="/mesh-signal.global.js"> instead of opentok.js (defines window.OT)',
    '  Share the page link with the session name in it; everyone needs to reach this address.',
    '  Ctrl-C stops.',
    '',
  );
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = (signal) => {
    if (stopping) {
      process.exit(130); // a second Ctrl-C: do not wait
    }
    stopping = true;
    console.log(`\n${signal}: stopping`);
    server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main();
