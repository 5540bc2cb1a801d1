/**
 * A lab LAN for taking ONE peer's network away: a bridge in the current network namespace (the
 * loopback-only one `scripts/loopback.sh` makes; root inside it), and per host a Node process in
 * its own namespace (`unshare -n`) plugged into the bridge by a veth pair. `setLink(host, false)`
 * sets the host's bridge port down (its cable pulled); `true` plugs it back.
 *
 * Addresses are our own: 10.77.<lab>.0/24, the bridge .1, hosts .2, .3, … with a default route
 * that leads nowhere. Refuses to run outside a namespace holding only `lo` (and other labs), so
 * it can never touch this machine's real interfaces.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { bundle } from './child.js';

export interface LabHost {
  /** Address on the lab LAN. */
  address: string;
  /** The host's JSON lines (events), parsed, in order. */
  lines: Array<Record<string, unknown> & { event: string; at: number }>;
  /** Write one JSON command line to the host's stdin. */
  command(line: object): void;
  /** SIGKILL and wait for the exit. Safe twice. */
  stop(): Promise<void>;
}

/** Interfaces of ours: the lab bridges and veth ends. */
const PREFIX = 'msl';
let labCounter = 0;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Throws unless this process is root in a namespace holding only `lo` and other labs. */
function assertIsolated(): void {
  if (process.getuid?.() !== 0) throw new Error('netlab needs root inside a network namespace: run under scripts/loopback.sh (npm test does)');
  // `ip` shows the current namespace's links (/sys/class/net shows the one sysfs was mounted in).
  const names = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\d+: ([^:@\s]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
  const foreign = names.filter((name) => name !== 'lo' && !name.startsWith(PREFIX));
  if (foreign.length > 0) throw new Error(`netlab refuses to run next to real interfaces (${foreign.join(', ')}): run under scripts/loopback.sh`);
}

/** Resolves once process `pid` runs in a network namespace other than ours. */
async function inOwnNamespace(pid: number): Promise<void> {
  const ours = readlinkSync('/proc/self/ns/net');
  for (let tries = 0; ; tries++) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/net`) !== ours) return;
    } catch {
      // not there yet (or gone: the timeout below reports it)
    }
    if (tries > 500) throw new Error(`process ${pid} did not enter its own network namespace within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export class NetLab {
  /** The bridge's address: bind the PeerServer here. */
  readonly bridgeAddress: string;
  private readonly bridge: string;
  private readonly lab: number;
  private readonly subnet: string;
  private readonly hosts: Array<{ port: string; host: LabHost }> = [];

  constructor() {
    assertIsolated();
    // Distinct per process and per lab, so parallel test files in one namespace do not collide.
    const lab = 1 + ((process.pid + labCounter++) % 250);
    this.lab = lab;
    this.bridge = `${PREFIX}b${lab}`;
    this.subnet = `10.77.${lab}`;
    this.bridgeAddress = `${this.subnet}.1`;
    ip('link', 'add', this.bridge, 'type', 'bridge');
    ip('addr', 'add', `${this.bridgeAddress}/24`, 'dev', this.bridge);
    ip('link', 'set', this.bridge, 'up');
  }

  /**
   * Start `helpers/<entry>.ts` (bundled) in its own namespace on the lab LAN, with `args`.
   * Resolves once the process runs with its address configured.
   */
  async startHost(entry: string, args: string[]): Promise<LabHost> {
    const file = await bundle(entry);
    const index = this.hosts.length + 2;
    const address = `${this.subnet}.${index}`;
    const port = `${PREFIX}p${this.lab}x${index}`;
    // The child waits for its interface, configures it, then becomes node (same pid throughout).
    const setup = [
      'while ! ip link show eth0 >/dev/null 2>&1; do sleep 0.02; done',
      'ip link set lo up',
      `ip addr add ${address}/24 dev eth0`,
      'ip link set eth0 up',
      `ip route add default via ${this.subnet}.254 dev eth0 onlink`,
      'exec "$@"',
    ].join(' && ');
    const child: ChildProcess = spawn('unshare', ['-n', 'sh', '-c', setup, 'sh', process.execPath, file, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    // unshare (without --fork) execs sh in the new namespace: the pid is the namespace's, but
    // only once unshare(2) ran: until then a veth sent "into" the pid lands in OUR namespace.
    await inOwnNamespace(child.pid!);
    ip('link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(child.pid));
    ip('link', 'set', port, 'master', this.bridge);
    ip('link', 'set', port, 'up');
    const lines: LabHost['lines'] = [];
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          lines.push(JSON.parse(line) as LabHost['lines'][number]);
        } catch {
          // not ours (a library printing to stdout)
        }
      }
    });
    const host: LabHost = {
      address,
      lines,
      command: (line) => void child.stdin!.write(`${JSON.stringify(line)}\n`),
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      },
    };
    this.hosts.push({ port, host });
    return host;
  }

  /** Plug the host's cable in (true) or pull it (false). */
  setLink(host: LabHost, up: boolean): void {
    const entry = this.hosts.find((h) => h.host === host);
    if (!entry) throw new Error('not a host of this lab');
    ip('link', 'set', entry.port, up ? 'up' : 'down');
  }

  /** Stop every host and remove the bridge (the veth pairs go with their namespaces). */
  async close(): Promise<void> {
    await Promise.all(this.hosts.map((h) => h.host.stop()));
    for (const h of this.hosts) {
      try {
        ip('link', 'del', h.port);
      } catch {
        // gone with its namespace
      }
    }
    this.hosts.length = 0;
    try {
      ip('link', 'del', this.bridge);
    } catch {
      // already gone
    }
  }
}
