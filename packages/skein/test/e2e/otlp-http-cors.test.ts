/** Browser SDKs: CORS preflight and headers on OTLP/HTTP, only for configured origins. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeOtlpJsonTraces } from '../../src/model/otlp-json.js';
import { removeDir, startSkein, writeConfig, type SkeinProcess } from '../support/skein-process.js';
import { makeSpan } from '../support/span-factory.js';

describe('OTLP/HTTP CORS', () => {
  let skein: SkeinProcess;
  before(async () => {
    skein = await startSkein({
      args: [
        '--config',
        writeConfig(
          'receivers:\n  otlp:\n    protocols:\n      grpc: {}\n      http:\n        cors:\n          allowed_origins: ["https://app.example.com", "https://*.shop.test"]\n          allowed_headers: [X-Tenant]\n          max_age: 600\n',
        ),
      ],
    });
  });
  after(async () => {
    assert.equal(await skein.stop(), 0);
    removeDir(skein.dataDir);
  });

  const preflight = (origin: string, headers = 'content-type', method = 'POST') =>
    fetch(skein.otlpHttpUrl, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': headers },
    });

  test('an allowed origin gets a 204 preflight and CORS headers on the POST', async () => {
    const res = await preflight('https://app.example.com', 'content-type, x-tenant');
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.equal(res.headers.get('access-control-allow-methods'), 'POST');
    assert.equal(res.headers.get('access-control-allow-headers'), 'content-type, x-tenant');
    assert.equal(res.headers.get('access-control-max-age'), '600');
    const wildcard = await preflight('https://eu.shop.test');
    assert.equal(wildcard.status, 204);

    const post = await fetch(skein.otlpHttpUrl, {
      method: 'POST',
      headers: { Origin: 'https://app.example.com', 'Content-Type': 'application/json' },
      body: JSON.stringify(encodeOtlpJsonTraces([makeSpan()])),
    });
    assert.equal(post.status, 200);
    assert.equal(post.headers.get('access-control-allow-origin'), 'https://app.example.com');
  });

  test('other origins, methods and headers are refused with the reason', async () => {
    const origin = await preflight('https://evil.example.org');
    assert.equal(origin.status, 403);
    assert.match(
      ((await origin.json()) as { message: string }).message,
      /origin "https:\/\/evil\.example\.org" is not in .*allowed_origins/,
    );
    const header = await preflight('https://app.example.com', 'x-secret');
    assert.equal(header.status, 403);
    assert.match(((await header.json()) as { message: string }).message, /x-secret/);
    const method = await preflight('https://app.example.com', 'content-type', 'PUT');
    assert.equal(method.status, 403);
    const post = await fetch(skein.otlpHttpUrl, {
      method: 'POST',
      headers: { Origin: 'https://evil.example.org', 'Content-Type': 'application/json' },
      body: JSON.stringify(encodeOtlpJsonTraces([makeSpan()])),
    });
    assert.equal(post.headers.get('access-control-allow-origin'), null);
  });
});
