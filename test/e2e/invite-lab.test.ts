/**
 * Invite codes across engines on a LAN-like network: Firefox ESR and Chromium pages, served by a
 * plain static file server with no PeerServer, link by invite in both directions (each engine
 * accepts the SDP the other's code rebuilds), and the codes stay QR-sized.
 *
 * The lab (test/e2e/helpers/invite-lab.mjs) adds veth links with addresses, so it runs in a
 * network namespace of its own, nested in the loopback one: the other tests never see them.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

interface LabResult {
  scenario: string;
  ok: boolean;
  inviter: { ok: boolean; error?: string; peer?: string; debug?: string[] };
  newcomer: { ok: boolean; error?: string; peer?: string; debug?: string[] };
  sizes: { kind: string; engine: string; chars: number; qr: number }[];
}

describe('invites between Firefox and Chromium on a LAN, no server', () => {
  it('link both ways and signal; every code fits a QR code of version 10 or less', () => {
    const run = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec node test/e2e/helpers/invite-lab.mjs --json'], {
      encoding: 'utf8',
      timeout: 400_000,
    });
    const lastLine = run.stdout.trim().split('\n').pop() ?? '';
    let results: LabResult[];
    try {
      results = JSON.parse(lastLine) as LabResult[];
    } catch {
      throw new Error(`the invite lab printed no results (exit ${run.status}, ${run.error?.message ?? ''}): ${run.stderr.slice(-2000)}`);
    }
    expect(results.map((r) => r.scenario)).toEqual([
      'firefox invites, chromium joins',
      'chromium invites, firefox joins',
      'chromium invites, chromium joins (mDNS)',
      'chromium invites, chromium joins (media permission: raw IPs)',
    ]);
    for (const r of results) {
      const logs = JSON.stringify({ inviter: r.inviter.debug, newcomer: r.newcomer.debug }, null, 1);
      expect({ scenario: r.scenario, inviter: r.inviter.error ?? 'ok', newcomer: r.newcomer.error ?? 'ok' }, logs).toEqual({ scenario: r.scenario, inviter: 'ok', newcomer: 'ok' });
      // Each saw the other's name (the pages are named engine-role).
      expect(r.inviter.peer).toMatch(/-newcomer$/);
      expect(r.newcomer.peer).toMatch(/-inviter$/);
      expect(r.sizes.length).toBe(2);
      for (const size of r.sizes) expect(size.qr, `${r.scenario}: ${size.engine} ${size.kind} of ${size.chars} chars`).toBeLessThanOrEqual(10);
    }
    expect(run.status).toBe(0);
  }, 420_000); // four scenarios of at most 90 s each on a busy machine, plus browser starts
});
