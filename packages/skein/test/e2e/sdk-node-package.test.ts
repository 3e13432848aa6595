/**
 * `@skein/sdk-node` as a user outside this repository gets it: `npm pack` makes the tarball
 * (prepack builds it), `npm install <tarball>` puts it in a fresh app whose OpenTelemetry
 * dependencies come from the registry (or npm's cache), the app's TypeScript type-checks against
 * the packed types, and the app, traced by `--import @skein/sdk-node/register` exactly as the
 * package README says, sends a trace that a running Skein stores and finds.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { getJson, makeTempDir, removeDir, startSkein, type SkeinProcess } from '../support/skein-process.js';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../../../..');
const SDK_DIR = join(REPO, 'packages/sdk-node');
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');

let skein: SkeinProcess;
let appDir = '';

before(async () => {
  skein = await startSkein();
  appDir = makeTempDir('outside-app');
});

after(async () => {
  await skein?.stop();
  removeDir(skein?.dataDir ?? '');
  if (appDir !== '') removeDir(appDir);
});

test(
  'the packed sdk-node installs into an app outside the monorepo, type-checks, and traces it into Skein',
  { timeout: 300_000 },
  async () => {
    await run('npm', ['pack', '--pack-destination', appDir], { cwd: SDK_DIR });
    const tarball = readdirSync(appDir).find((name) => name.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack wrote a tarball');
    const listing = (await run('tar', ['-tzf', join(appDir, tarball)])).stdout.split('\n');
    for (const file of ['package/README.md', 'package/dist/index.js', 'package/dist/index.d.ts', 'package/dist/register.js']) {
      assert.ok(listing.includes(file), `${file} is packed`);
    }
    assert.ok(!listing.some((file) => file.includes('.tsbuildinfo') || file.endsWith('.map')), 'no build leftovers are packed');

    writeFileSync(join(appDir, 'package.json'), JSON.stringify({ name: 'outside-app', version: '1.0.0', private: true, type: 'module' }));
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', `./${tarball}`], { cwd: appDir, timeout: 240_000 });

    // The README's "in code" use, type-checked against the packed declarations.
    writeFileSync(
      join(appDir, 'tracing.ts'),
      `import { register, type RegisterOptions } from '@skein/sdk-node';
const options: RegisterOptions = { serviceName: 'outside-app', protocol: 'http/protobuf', sampleRatio: 1 };
const tracing = register(options);
await tracing.shutdown();
`,
    );
    await run(
      process.execPath,
      [TSC, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', 'tracing.ts'],
      {
        cwd: appDir,
      },
    );

    // The README's zero-code use: an HTTP server and a client call to it, one trace.
    writeFileSync(
      join(appDir, 'app.mjs'),
      `import http from 'node:http';
const server = http.createServer((req, res) => res.end('ok')).listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  const body = await fetch('http://127.0.0.1:' + port + '/outside').then((r) => r.text());
  console.log(body);
  server.close();
});
`,
    );
    const { stdout } = await run(process.execPath, ['--import', '@skein/sdk-node/register', 'app.mjs'], {
      cwd: appDir,
      env: { ...process.env, OTEL_SERVICE_NAME: 'outside-app', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: skein.otlpHttpUrl },
    });
    assert.equal(stdout.trim(), 'ok');

    // Flushed on exit: the spans are in Skein once the app has ended.
    const { body } = await getJson(`${skein.queryUrl}/api/v1/search?service=outside-app&lookback=1h`);
    assert.equal(body.traces.length, 1, JSON.stringify(body));
    const summary = body.traces[0];
    assert.equal(summary.rootServiceName, 'outside-app');
    assert.equal(summary.rootSpanMissing, false);
    // fetch (client) and the http server: one trace, two spans at least.
    assert.ok(summary.spanCount >= 2, `spans: ${summary.spanCount}`);
  },
);
