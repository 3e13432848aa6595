import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sanitizeSql, sqlCollectionName, sqlOperationName } from '../src/sql-sanitizer.js';

test('string, number, hex and blob literals become ?', () => {
  assert.equal(
    sanitizeSql("SELECT * FROM users WHERE email = 'ann@example.com' AND age > 42 AND score < 3.5e2 AND flags = 0x1F AND key = X'AB12'"),
    'SELECT * FROM users WHERE email = ? AND age > ? AND score < ? AND flags = ? AND key = ?',
  );
});

test("an escaped quote stays inside its string: 'it''s 42' is one literal", () => {
  assert.equal(sanitizeSql("UPDATE notes SET body = 'it''s 42' WHERE id = 7"), 'UPDATE notes SET body = ? WHERE id = ?');
});

test('identifiers, quoted identifiers and placeholders keep their digits', () => {
  assert.equal(
    sanitizeSql('SELECT t1.col_2, "column 3", [order 4], `x5` FROM t1 WHERE a = ?1 AND b = :p2 AND c = $3'),
    'SELECT t1.col_2, "column 3", [order 4], `x5` FROM t1 WHERE a = ?1 AND b = :p2 AND c = $3',
  );
});

test('comments are dropped (they can carry data too) and whitespace is folded', () => {
  assert.equal(sanitizeSql("SELECT id -- customer 'bob'\n  FROM   t /* card 4111 */ WHERE x = 1"), 'SELECT id FROM t WHERE x = ?');
});

test('an unterminated string is still hidden', () => {
  assert.equal(sanitizeSql("SELECT 'secret"), 'SELECT ?');
});

test('operation and collection names', () => {
  assert.equal(sqlOperationName('  select id from orders'), 'SELECT');
  assert.equal(sqlOperationName('INSERT INTO orders VALUES (?)'), 'INSERT');
  assert.equal(sqlCollectionName('SELECT id FROM orders WHERE id = ?'), 'orders');
  assert.equal(sqlCollectionName('INSERT INTO orders (id) VALUES (?)'), 'orders');
  assert.equal(sqlCollectionName('UPDATE orders SET status = ?'), 'orders');
  assert.equal(sqlCollectionName('SELECT * FROM restaurants NOT INDEXED WHERE lat > ?'), 'restaurants');
  // Two tables: the conventions leave db.collection.name out rather than pick one.
  assert.equal(sqlCollectionName('SELECT * FROM orders JOIN customers ON orders.customer_id = customers.id'), undefined);
  // A table name inside a string literal is not a table.
  assert.equal(sqlCollectionName("SELECT 'FROM secrets' FROM orders"), 'orders');
});
