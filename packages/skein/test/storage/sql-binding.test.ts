import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ChdbEngine } from '../../src/storage/engines/chdb-engine.js';
import { bindSql, quoteIdentifier, quoteString } from '../../src/storage/sql-binding.js';
import { StorageError } from '../../src/storage/trace-store.js';
import { BINDING_CASES } from './binding-cases.js';

const isBindError = (e: unknown): boolean => e instanceof StorageError && e.code === 'rejected';

describe('bindSql', () => {
  test('renders each type', () => {
    assert.equal(
      bindSql('SELECT {s:String}, {a:UInt8}, {b:UInt64}, {c:Int64}, {d:Int64}, {f:Float64}', {
        s: 'x',
        a: 7,
        b: 18446744073709551615n,
        c: -5n,
        d: 3,
        f: 0.5,
      }),
      "SELECT 'x', 7, 18446744073709551615, toInt64('-5'), 3, toFloat64('0.5')",
    );
    assert.equal(
      bindSql('{a:Array(String)} {b:Array(UInt64)}', { a: ['x', "y'"], b: [1n, 2] }),
      "['x', 'y\\''] [toUInt64(1), toUInt64(2)]",
    );
    assert.equal(bindSql('{a:Array(String)} {b:Array(UInt64)}', { a: [], b: [] }), 'emptyArrayString() emptyArrayUInt64()');
    assert.equal(bindSql('x IN {a:Set(String)}', { a: ['x', "y'"] }), "x IN ('x', 'y\\'')");
    assert.equal(bindSql('x IN {a:Set(String)}', { a: ['x'] }), "x IN ('x')");
    assert.equal(
      bindSql('{f:Float64} {g:Float64} {h:Float64}', { f: NaN, g: Infinity, h: -Infinity }),
      'toFloat64(nan) toFloat64(inf) toFloat64(-inf)',
    );
    assert.equal(bindSql('LIMIT {n:UInt32}', { n: 10 }), 'LIMIT 10');
    assert.equal(bindSql('{x:String} = {x:String}', { x: 'a' }), "'a' = 'a'");
  });

  test('escapes hostile strings so they cannot leave the literal', () => {
    assert.equal(quoteString("'; DROP TABLE spans; --"), "'\\'; DROP TABLE spans; --'");
    assert.equal(quoteString('a\\b'), "'a\\\\b'");
    assert.equal(quoteString("\\'"), "'\\\\\\''");
    assert.equal(quoteString('l1\nl2\r\t\u0000\u0001\u007f'), "'l1\\nl2\\r\\t\\0\\x01\\x7f'");
    assert.equal(quoteString('☃ 日本 🎉'), "'☃ 日本 🎉'");
    // A value that looks like a placeholder stays a value: replacement output is never re-scanned.
    assert.equal(bindSql('SELECT {a:String}, {b:String}', { a: '{b:String}', b: 'x' }), "SELECT '{b:String}', 'x'");
    for (const s of ["'", "\\'", "\\\\'", "' OR '1'='1", 'x\n; DROP TABLE t']) {
      const literal = quoteString(s);
      // Outside the escapes, the only quotes are the opening and the closing one.
      assert.equal(literal.replace(/\\./g, '').split("'").length, 3, literal);
      assert.doesNotMatch(literal, /[\u0000-\u001f]/);
    }
  });

  test('refuses missing, unused and ill-typed parameters', () => {
    assert.throws(() => bindSql('SELECT {a:String}', {}), isBindError);
    assert.throws(() => bindSql('SELECT {a:String}', { a: 'x', b: 'unused' }), isBindError);
    assert.throws(() => bindSql('SELECT 1', { a: 1 }), isBindError);
    assert.throws(() => bindSql('{a:String}', { a: 1 }), isBindError);
    assert.throws(() => bindSql('{a:String}', { a: null }), isBindError);
    assert.throws(() => bindSql('{a:UInt8}', { a: 256 }), isBindError);
    assert.throws(() => bindSql('{a:UInt8}', { a: -1 }), isBindError);
    assert.throws(() => bindSql('{a:UInt32}', { a: 1.5 }), isBindError);
    assert.throws(() => bindSql('{a:UInt64}', { a: 2 ** 53 }), isBindError);
    assert.throws(() => bindSql('{a:UInt64}', { a: 18446744073709551616n }), isBindError);
    assert.throws(() => bindSql('{a:UInt64}', { a: '5' }), isBindError);
    assert.throws(() => bindSql('{a:Int64}', { a: -9223372036854775809n }), isBindError);
    assert.throws(() => bindSql('{a:Float64}', { a: 1n }), isBindError);
    assert.throws(() => bindSql('{a:Array(String)}', { a: 'x' }), isBindError);
    assert.throws(() => bindSql('{a:Array(String)}', { a: [1] }), isBindError);
    assert.throws(() => bindSql('{a:Array(UInt64)}', { a: [-1n] }), isBindError);
    assert.throws(() => bindSql('{a:Set(String)}', { a: [] }), isBindError);
    assert.throws(() => bindSql('{a:Set(String)}', { a: [1] }), isBindError);
    assert.throws(() => bindSql('{a:Date}', { a: 'x' }), isBindError);
  });

  test('identifiers are validated', () => {
    assert.equal(quoteIdentifier('skein_1'), '`skein_1`');
    for (const bad of ['', '1x', 'a-b', 'a`b', 'a.b', 'a b', "x'; DROP"]) assert.throws(() => quoteIdentifier(bad), isBindError, bad);
  });
});

describe('bindSql on chDB', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'skein-bind-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('bound values come back unchanged', async () => {
    const engine = await ChdbEngine.open(dataDir, 'binding');
    try {
      for (const c of BINDING_CASES) {
        const rows = await engine.query<{ v: unknown }>(c.sql, { v: c.value });
        assert.deepStrictEqual(rows[0]?.v, c.expected, `${c.sql} with ${String(c.value)}`);
      }
      await assert.rejects(
        engine.query('SELECT no_such_column'),
        (e: unknown) => e instanceof StorageError && e.code === 'rejected' && /no_such_column/.test(e.message),
      );
      await assert.rejects(
        engine.insertTabSeparated('binding.nothing', ['x'], Buffer.from('1\n')),
        (e: unknown) => e instanceof StorageError && e.code === 'rejected',
      );
    } finally {
      await engine.close();
    }
  });
});
