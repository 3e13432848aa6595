import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, configProblems } from '../../src/model/config-error.js';
import { durationMillisSchema } from '../../src/model/duration-schema.js';
import { readYamlFile } from '../../src/model/yaml-file.js';

test('configProblems: every zod issue names its full key and the value found there, once', () => {
  const schema = z
    .object({ timeout: durationMillisSchema, size: z.number().int(), policies: z.array(z.object({ name: z.string() })) })
    .strict();
  const raw = { timeout: 30, size: 1.5, policies: [{ name: 7 }], typo: true };
  const result = schema.safeParse(raw);
  assert.equal(result.success, false);
  assert.deepEqual(configProblems('processors.batch', result.error?.issues ?? [], raw).sort(), [
    'processors.batch.policies.0.name: Invalid input: expected string, received number (got 7)',
    'processors.batch.size: Invalid input: expected int, received number (got 1.5)',
    'processors.batch.timeout: expected a duration such as 500ms, 5s or 1m (got 30: a bare number has no unit, and Go reads it as nanoseconds; write 30ms or 30s)',
    'processors.batch: unknown key(s) "typo"',
  ]);
  const error = ConfigError.ofIssues('invalid configuration in skein.yaml', '', result.error?.issues ?? [], raw);
  assert.ok(error instanceof ConfigError);
  assert.equal(error.problems.length, 4);
  assert.match(error.message, /^invalid configuration in skein\.yaml:\n {2}/);
});

test('ofProblems and ofIssues called on a subclass build that subclass, with the same message and problems', () => {
  class TopologyLikeError extends ConfigError {
    override readonly name: string = 'TopologyLikeError';
  }
  const listed = TopologyLikeError.ofProblems('invalid topology in t.yaml', ['services.a: unknown', 'services.b: unknown']);
  assert.ok(listed instanceof TopologyLikeError);
  assert.equal(listed.name, 'TopologyLikeError');
  assert.equal(listed.message, 'invalid topology in t.yaml:\n  services.a: unknown\n  services.b: unknown');
  assert.deepEqual(listed.problems, ['services.a: unknown', 'services.b: unknown']);
  const raw = { timeout: 30 };
  const parsed = z.object({ timeout: durationMillisSchema }).safeParse(raw);
  const fromIssues = TopologyLikeError.ofIssues('invalid batch', 'processors.batch', parsed.error?.issues ?? [], raw);
  assert.ok(fromIssues instanceof TopologyLikeError);
  assert.deepEqual(fromIssues.problems, [
    'processors.batch.timeout: expected a duration such as 500ms, 5s or 1m (got 30: a bare number has no unit, and Go reads it as nanoseconds; write 30ms or 30s)',
  ]);
});

test('readYamlFile: the parsed document, or a ConfigError naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skein-yaml-file-'));
  try {
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'a: 1\nb: [x, y]\n');
    assert.deepEqual(readYamlFile(good, 'config file'), { a: 1, b: ['x', 'y'] });
    const empty = join(dir, 'empty.yaml');
    writeFileSync(empty, '');
    assert.equal(readYamlFile(empty, 'config file'), null);
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'a: [\n');
    assert.throws(
      () => readYamlFile(broken, 'topology file'),
      (error: unknown) => error instanceof ConfigError && error.message.startsWith(`topology file ${broken} is not valid YAML: `),
    );
    assert.throws(
      () => readYamlFile(join(dir, 'missing.yaml'), 'config file'),
      (error: unknown) => error instanceof ConfigError && /^cannot read config file .*missing\.yaml: ENOENT/.test(error.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
