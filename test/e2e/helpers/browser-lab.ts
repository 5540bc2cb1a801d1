/**
 * A lab LAN for browsers, to take ONE browser's network away for real: a bridge in the current
 * namespace (the one scripts/lab.sh makes) with our own test address 10.78.<lab>.1/24, and per
 * host a network namespace of its own plugged into the bridge by a veth pair (10.78.<lab>.2, …,
 * with a default route that leads nowhere). A browser runs in a host's namespace through a
 * wrapper script that `nsenter`s it there; its driver still reaches it (Playwright over a pipe;
 * Puppeteer over TCP, relayed into the namespace by helpers/ns-relay.mjs, see `forward`).
 * `setLink(host, false)` sets the host's bridge port down (its cable pulled); `true` plugs it back.
 *
 * Refuses to run anywhere but the lab namespace (links `lo`, `lab0`, `lab1` and ours only), so it
 * can never touch this machine's real interfaces; nothing it adds can route out of there.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { within } from '../../within.js';

/** Names of our links (bridges `mbl<lab>`, ports `mbl<lab>p<n>`). */
const PREFIX = 'mbl';
/** What scripts/lab.sh puts in its namespace. */
const LAB_SH_LINKS = ['lo', 'lab0', 'lab1'];
const RELAY = resolve('test/e2e/helpers/ns-relay.mjs');

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function linkNames(): string[] {
  return execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\d+: ([^:@\s]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** Throws unless we are root in the scripts/lab.sh namespace (its links, and labs of ours). */
function assertInLabNamespace(): void {
  if (process.env.E2E_NETWORK !== 'lab' || process.getuid?.() !== 0) {
    throw new Error('the browser lab runs only inside scripts/lab.sh (root in a private network namespace)');
  }
  const foreign = linkNames().filter((name) => !LAB_SH_LINKS.includes(name) && !name.startsWith(PREFIX));
  if (foreign.length > 0) throw new Error(`the browser lab refuses to run next to interfaces it does not know (${foreign.join(', ')}): run under scripts/lab.sh`);
}

/** One namespace on the lab LAN, held by its relay process. */
export interface LabNamespace {
  /** Its address on the lab LAN. */
  readonly address: string;
  /** A script that runs `executable` (with its arguments) inside this namespace. */
  wrap(executable: string): string;
  /**
   * Makes 127.0.0.1:<port> inside the namespace reachable at 127.0.0.1:<port> out here; resolves
   * with the port (0: a free one out here, which is free in the fresh namespace too).
   */
  forward(port?: number): Promise<number>;
}

interface Host extends LabNamespace {
  port: string;
  stop(): Promise<void>;
}

export class BrowserLab {
  /** The bridge's address: bind the page server and PeerServer here. */
  readonly bridgeAddress: string;
  private readonly bridge: string;
  private readonly subnet: string;
  private readonly dir = mkdtempSync(join(tmpdir(), 'browser-lab-'));
  private readonly hosts: Host[] = [];

  constructor() {
    assertInLabNamespace();
    const taken = new Set(linkNames());
    const lab = [...Array(250).keys()].map((i) => 1 + ((process.pid + i) % 250)).find((n) => !taken.has(`${PREFIX}${n}`));
    if (lab === undefined) throw new Error('no free lab number');
    this.bridge = `${PREFIX}${lab}`;
    this.subnet = `10.78.${lab}`;
    this.bridgeAddress = `${this.subnet}.1`;
    ip('link', 'add', this.bridge, 'type', 'bridge');
    ip('addr', 'add', `${this.bridgeAddress}/24`, 'dev', this.bridge);
    ip('link', 'set', this.bridge, 'up');
  }

  /** A new namespace plugged into the bridge, configured and held once this resolves. */
  async addHost(): Promise<LabNamespace> {
    const n = this.hosts.length + 2;
    const address = `${this.subnet}.${n}`;
    const port = `${this.bridge}p${n}`;
    const socket = join(this.dir, `relay-${n}.sock`);
    // The child waits for its end of the veth, configures it, then becomes the relay (same pid).
    const setup = `set -e
      until ip link show eth0 >/dev/null 2>&1; do sleep 0.02; done
      ip link set lo up; ip link set eth0 up; ip addr add ${address}/24 dev eth0
      ip route add default via ${this.subnet}.254 dev eth0 onlink
      exec "$@"`;
    const child: ChildProcess = spawn('unshare', ['-n', 'sh', '-c', setup, 'sh', process.execPath, RELAY, socket], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
    const ready = new Promise<void>((ok, fail) => {
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && ok());
      child.once('exit', (code) => fail(new Error(`the namespace of lab host ${address} ended during setup (exit ${code})`)));
      child.once('error', fail);
    });
    ready.catch(() => undefined); // awaited below; a failure before that is reported there
    const forwarders: Server[] = [];
    const host: Host = {
      address,
      port,
      wrap: (executable) => {
        const script = join(this.dir, `in-ns-${n}-${executable.replace(/\W+/g, '_')}`);
        writeFileSync(script, `#!/bin/sh\nexec nsenter --net=/proc/${child.pid}/ns/net '${executable}' "$@"\n`);
        chmodSync(script, 0o755);
        return script;
      },
      forward: (wanted = 0) => forwardInto(socket, wanted, forwarders),
      stop: async () => {
        for (const f of forwarders) f.close();
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      },
    };
    this.hosts.push(host);
    try {
      await waitForOwnNamespace(child);
      ip('link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(child.pid));
      ip('link', 'set', port, 'master', this.bridge);
      ip('link', 'set', port, 'up');
      await within(ready, `lab host ${address} to configure its namespace`, 10_000);
    } catch (error) {
      await host.stop();
      throw error;
    }
    return host;
  }

  /** Plug the host's cable in (true) or pull it (false). */
  setLink(host: LabNamespace, up: boolean): void {
    const entry = this.hosts.find((h) => h === host);
    if (!entry) throw new Error('not a host of this lab');
    ip('link', 'set', entry.port, up ? 'up' : 'down');
  }

  /** Stops every host (their browsers must be closed first) and removes the bridge. */
  async close(): Promise<void> {
    await Promise.all(this.hosts.map((h) => h.stop()));
    for (const name of [...this.hosts.map((h) => h.port), this.bridge]) {
      try {
        ip('link', 'del', name);
      } catch {
        // gone with its namespace
      }
    }
    this.hosts.length = 0;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Resolves once `child` runs in a network namespace other than ours: `unshare` (without
 * --fork) execs in the new namespace, but until unshare(2) ran a veth sent "into" its pid would
 * land in OUR namespace.
 */
async function waitForOwnNamespace(child: ChildProcess): Promise<void> {
  const ours = readlinkSync('/proc/self/ns/net');
  const deadline = Date.now() + 5_000;
  for (;;) {
    let theirs: string | undefined;
    try {
      theirs = readlinkSync(`/proc/${child.pid}/ns/net`);
    } catch {
      // not started yet
    }
    if (theirs !== undefined && theirs !== ours) return;
    if (Date.now() > deadline) throw new Error(`process ${child.pid} did not enter a network namespace of its own within 5 s`);
    await new Promise((ok) => setTimeout(ok, 10));
  }
}

/** A TCP listener on 127.0.0.1 out here whose connections the relay at `socket` continues inside. */
function forwardInto(socket: string, wanted: number, forwarders: Server[]): Promise<number> {
  const server = createServer((client) => {
    const inside = connect(socket, () => {
      inside.write(`${(server.address() as { port: number }).port}\n`);
      client.pipe(inside).pipe(client);
    });
    inside.on('error', () => client.destroy());
    client.on('error', () => inside.destroy());
    inside.on('close', () => client.destroy());
    client.on('close', () => inside.destroy());
  });
  forwarders.push(server);
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(wanted, '127.0.0.1', () => ok((server.address() as { port: number }).port));
  });
}
