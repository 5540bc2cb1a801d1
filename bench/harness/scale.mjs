// Runs scale-child.mjs in a fresh Node process (see there) and returns its JSON.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../lib/server.mjs';

export function scale({ quick }) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(ROOT, 'bench/harness/scale-child.mjs'), ...(quick ? ['--quick'] : [])],
      { cwd: ROOT, timeout: 300_000, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
        if (err) return reject(new Error(`scale bench failed: ${err.message}\n${stderr}`));
        try { resolve(JSON.parse(stdout.trim().split('\n').pop())); } catch (e) { reject(new Error(`scale bench output: ${stdout}\n${stderr}`)); }
      });
  });
}
