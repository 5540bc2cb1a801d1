/**
 * The npm package as a new user gets it: `npm pack` in a clean copy of the repository (no dist/:
 * `prepack` must build), the tarball's file list, `npm install` of the tarball into an empty
 * project with the network off (`--offline`: the package must need nothing from the registry),
 * and a consumer file type-checked against what was installed with the project's TypeScript,
 * under the `nodenext` and `bundler` resolutions.
 *
 * Run: `npx vitest run --project package` (after nothing: it builds its own copy).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
/** What the repository's own package.json says; the copy is made from these files. */
const CLONE_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'README.md', 'src', 'scripts'];
/** npm must not look anything up: no update check, no audit, no funding call. */
const npmEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' };

let work: string;
let clone: string;
let consumer: string;
let tarball: string;

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, env: npmEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'mesh-signal-pack-'));
  clone = join(work, 'clone');
  consumer = join(work, 'consumer');
  mkdirSync(clone);
  for (const file of CLONE_FILES) cpSync(join(root, file), join(clone, file), { recursive: true });
  // The installed devDependencies, as `npm ci` leaves them in a fresh clone.
  symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
  expect(existsSync(join(clone, 'dist'))).toBe(false);
  // (Not --json: the prepack build prints to the same stdout.)
  run('npm', ['pack', '--pack-destination', work], clone);
  const packed = readdirSync(work).filter((name) => name.endsWith('.tgz'));
  expect(packed).toHaveLength(1);
  tarball = join(work, packed[0]!);
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('builds first (prepack) and ships the builds, their chunks, source maps, license notices and the types; nothing else', () => {
    const listed = run('tar', ['-tzf', tarball], work).split('\n').filter(Boolean).map((path) => path.replace(/^package\//, ''));
    const types = listed.filter((path) => path.startsWith('dist/types/'));
    const chunks = listed.filter((path) => path.startsWith('dist/chunks/'));
    expect(listed.filter((path) => !path.startsWith('dist/types/') && !path.startsWith('dist/chunks/')).sort()).toEqual([
      'README.md',
      'dist/mesh-signal-testing.min.js',
      'dist/mesh-signal-testing.min.js.map',
      'dist/mesh-signal.global.js',
      'dist/mesh-signal.global.js.LEGAL.txt',
      'dist/mesh-signal.global.js.map',
      'dist/mesh-signal.min.js',
      'dist/mesh-signal.min.js.LEGAL.txt',
      'dist/mesh-signal.min.js.map',
      'package.json',
    ]);
    // The minified chunks only (the unminified build's are for reading the repository), each with its map.
    expect(chunks.every((path) => /^dist\/chunks\/[\w-]+\.min\.js(\.map)?$/.test(path))).toBe(true);
    expect(chunks.filter((path) => path.endsWith('.js')).map((path) => path.replace(/-\w+\.min\.js$/, '')).filter((name) => !name.endsWith('/chunk')).sort()).toEqual([
      'dist/chunks/invite',
      'dist/chunks/invite-code',
      'dist/chunks/session-key',
    ]);
    expect(chunks.filter((path) => path.endsWith('.map'))).toHaveLength(chunks.length / 2);
    expect(types).toContain('dist/types/index.d.ts');
    expect(types).toContain('dist/types/ot/global.d.ts');
    expect(types.every((path) => path.endsWith('.d.ts'))).toBe(true);
  });

  it('has no runtime dependencies: the bundles are self-contained', () => {
    const manifest = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'], work)) as Record<string, unknown>;
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.peerDependencies ?? {}).toEqual({});
  });
});

describe('the tarball installed into an empty project, offline', () => {
  beforeAll(() => {
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], consumer);
    cpSync(join(root, 'test/package/consumer'), join(consumer, 'src'), { recursive: true });
  }, 120_000);

  it('installs the package alone', () => {
    expect(readdirSync(join(consumer, 'node_modules')).filter((name) => !name.startsWith('.'))).toEqual(['mesh-signal']);
    expect(existsSync(join(consumer, 'node_modules/mesh-signal/dist/mesh-signal.min.js'))).toBe(true);
  });

  for (const [resolution, module] of [['nodenext', 'nodenext'], ['bundler', 'esnext']] as const) {
    it(`type-checks a consumer with moduleResolution ${resolution}`, () => {
      const config = {
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'ES2022',
          lib: ['ES2022', 'DOM'],
          module,
          moduleResolution: resolution,
          skipLibCheck: false,
          types: [],
        },
        include: ['src'],
      };
      writeFileSync(join(consumer, `tsconfig.${resolution}.json`), JSON.stringify(config, null, 2));
      run(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], consumer);
    });
  }

  it('runs from the installed files: mesh-signal/testing, and a chunk loaded on first use', () => {
    // Two sessions on the in-memory network signal each other; decodeInviteCode loads the
    // invite-code chunk (dist/chunks/) from the installed package.
    const script = `
      import { initSession, decodeInviteCode } from 'mesh-signal';
      import { createMemoryNetwork } from 'mesh-signal/testing';
      const network = createMemoryNetwork();
      const a = initSession('room', { transport: network.transport, persist: false });
      const b = initSession('room', { transport: network.transport, persist: false });
      const heard = new Promise((resolve) => b.on('signal:hi', (e) => resolve(e.data)));
      await a.connect({ data: 'a' });
      await b.connect({ data: 'b' });
      await a.signal({ type: 'hi', data: 'hello' });
      const decoded = await decodeInviteCode('not a code', { kind: 'invite', sessionId: 'room' });
      console.log(JSON.stringify({ heard: await heard, reason: decoded.reason }));
      a.disconnect(); b.disconnect();
    `;
    writeFileSync(join(consumer, 'smoke.mjs'), script);
    expect(JSON.parse(run(process.execPath, ['smoke.mjs'], consumer).trim().split('\n').pop()!)).toEqual({ heard: 'hello', reason: 'wrong-version' });
  });

  it('a type error in the consumer is reported (the check above can fail)', () => {
    writeFileSync(join(consumer, 'src/wrong.ts'), "import { initSession } from 'mesh-signal';\ninitSession('room').signal({ data: 7 });\n");
    try {
      expect(() => run(process.execPath, [tsc, '-p', 'tsconfig.nodenext.json'], consumer)).toThrow(/wrong\.ts.*TS2322/s);
    } finally {
      rmSync(join(consumer, 'src/wrong.ts'));
    }
  });
});
