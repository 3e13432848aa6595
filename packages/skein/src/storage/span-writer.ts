import { resourcesWritten } from './resource-sets.js';
import type { SqlEngine } from './sql-engine.js';
import {
  OPERATION_COLUMNS,
  RESOURCE_COLUMNS,
  SCOPE_COLUMNS,
  SPAN_COLUMNS,
  SPAN_ROW_BINARY_STRUCTURE,
  type RowBatches,
} from './span-rows.js';

/**
 * Inserts one batch's row bodies in the order that keeps reads consistent: new resources and
 * scopes first (a span is never readable before what it references), then the spans (the engine
 * fills `trace_index` from the same insert), then new operations. A failure part-way leaves some
 * tables written; the TraceStore contract lets callers retry, and readers dedupe by span ID.
 * `database` is a validated name (chDB's raw insert takes a plain `db.table`). New resources bump
 * the database's generation between their insert and the spans' (resource-sets.ts).
 */
export async function insertRowBatches(engine: SqlEngine, database: string, batches: RowBatches): Promise<void> {
  await insertResourcesAndScopes(engine, database, batches);
  const spansTable = `${database}.trace_spans_v3`;
  if (batches.spansFormat === 'RowBinary') {
    await engine.insertRowBinary(spansTable, SPAN_COLUMNS, SPAN_ROW_BINARY_STRUCTURE, batches.spans);
  } else {
    await engine.insertTabSeparated(spansTable, SPAN_COLUMNS, batches.spans);
  }
  await engine.insertTabSeparated(`${database}.operations_v3`, OPERATION_COLUMNS, batches.operations);
}

/** New resources and scopes of a batch (spans' or logs'), then the resource generation bump. */
export async function insertResourcesAndScopes(
  engine: SqlEngine,
  database: string,
  batches: { resources: Buffer; scopes: Buffer },
): Promise<void> {
  try {
    // A server runs these two in parallel; chDB serialises them, at no extra cost.
    await Promise.all([
      engine.insertTabSeparated(`${database}.resources_v3`, RESOURCE_COLUMNS, batches.resources),
      engine.insertTabSeparated(`${database}.scopes_v3`, SCOPE_COLUMNS, batches.scopes),
    ]);
  } finally {
    // Also after a failure: some of the rows may be stored all the same.
    if (batches.resources.length > 0) resourcesWritten(database);
  }
}
