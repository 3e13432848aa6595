import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildResource, readAppPackage } from '../src/resource.js';

test('finds the nearest package.json above the entry script', () => {
  const root = mkdtempSync(join(tmpdir(), 'skein-sdk-'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'shop-api', version: '2.0.1' }));
  mkdirSync(join(root, 'dist', 'server'), { recursive: true });
  assert.deepEqual(readAppPackage(join(root, 'dist', 'server', 'main.js')), { name: 'shop-api', version: '2.0.1' });
  assert.deepEqual(readAppPackage(undefined, join(root, 'dist')), { name: 'shop-api', version: '2.0.1' });
});

test('service name: options, then OTEL_SERVICE_NAME, then package.json', () => {
  const saved = process.env['OTEL_SERVICE_NAME'];
  try {
    delete process.env['OTEL_SERVICE_NAME'];
    assert.equal(buildResource({}, { name: 'from-pkg' }).serviceName, 'from-pkg');
    process.env['OTEL_SERVICE_NAME'] = 'from-env';
    assert.equal(buildResource({}, { name: 'from-pkg' }).serviceName, 'from-env');
    const { resource, serviceName } = buildResource(
      { serviceName: 'from-options', serviceVersion: '9', resourceAttributes: { team: 'core' } },
      {},
    );
    assert.equal(serviceName, 'from-options');
    assert.equal(resource.attributes['service.version'], '9');
    assert.equal(resource.attributes['team'], 'core');
    assert.equal(typeof resource.attributes['process.pid'], 'number');
  } finally {
    if (saved === undefined) delete process.env['OTEL_SERVICE_NAME'];
    else process.env['OTEL_SERVICE_NAME'] = saved;
  }
});
