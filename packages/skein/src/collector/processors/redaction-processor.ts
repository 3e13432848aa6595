import { z } from 'zod';
import type { LogRecord } from '../../model/log-record.js';
import type { AnyValue, KeyValue, Resource, Span } from '../../model/span.js';
import { regexSchema } from './config-values.js';
import {
  BUILTIN_PATTERNS,
  MASK,
  SECRET_KEY,
  createStringRedactor,
  type BuiltinPattern,
  type StringRedactor,
} from './redaction-detectors.js';
import type { ProcessorFactory } from '../pipeline/component-factories.js';
import type { SpanProcessor } from '../pipeline/span-processor.js';
import { stripSqlLiterals } from './sql-literals.js';

/**
 * `redaction`: masks secrets and PII in attribute values (span, event, link and resource
 * attributes) and in span status messages, in the OpenTelemetry Collector redaction processor's
 * shape and summary attributes. Skein runs it by default with the built-in detectors
 * (`redaction-detectors.ts`). Keys are never changed; span names are left alone unless
 * `redact_span_names` is set, since they name operations and rarely carry data.
 *
 * ```yaml
 * processors:
 *   redaction:
 *     allow_all_keys: true           # false: only allowed_keys (and ignored_keys) survive
 *     allowed_keys: []               # service.name is always kept on resources
 *     ignored_keys: [user.public_id] # never masked nor deleted
 *     blocked_values: ['\bcust-\d{6}\b']        # custom regexes, matches become ****
 *     allowed_values: ['@example\.com$']        # values matching these are left alone
 *     blocked_key_patterns: ['\.ssn$']          # whole value masked
 *     builtin_patterns: [credit_cards, emails, bearer_tokens, api_keys, url_passwords, ibans, secret_keys]
 *     sql_keys: [db.statement, db.query.text]   # literals → ?
 *     redact_span_names: false
 *     redact_status_messages: true
 *     summary: debug                 # debug: counts and keys; info: counts; silent: nothing
 * ```
 *
 * A span where anything was masked gets `redaction.masked.count` (int) and
 * `redaction.masked.keys` (string array); deletions by the allow-list give
 * `redaction.redacted.count` / `redaction.redacted.keys`. A resource gets its own summary.
 */
export const redactionConfigSchema = z
  .object({
    allow_all_keys: z.boolean().default(true),
    allowed_keys: z.array(z.string()).default([]),
    ignored_keys: z.array(z.string()).default([]),
    blocked_values: z.array(regexSchema).default([]),
    allowed_values: z.array(regexSchema).default([]),
    blocked_key_patterns: z.array(regexSchema).default([]),
    builtin_patterns: z.array(z.enum(BUILTIN_PATTERNS)).default([...BUILTIN_PATTERNS]),
    sql_keys: z.array(z.string()).default(['db.statement', 'db.query.text']),
    redact_span_names: z.boolean().default(false),
    redact_status_messages: z.boolean().default(true),
    summary: z.enum(['debug', 'info', 'silent']).default('debug'),
  })
  .strict();

export type RedactionConfig = z.output<typeof redactionConfigSchema>;

const MASKED_COUNT = 'redaction.masked.count';
const MASKED_KEYS = 'redaction.masked.keys';
const REDACTED_COUNT = 'redaction.redacted.count';
const REDACTED_KEYS = 'redaction.redacted.keys';
/** The key Skein groups and searches by: an allow-list must not silently drop it. */
const ALWAYS_KEPT_RESOURCE_KEY = 'service.name';
const KEY_CACHE_LIMIT = 10_000;
/**
 * Verdicts are remembered for values up to this length only: short values repeat across spans
 * (the decoder even hands out the same string objects, whose hash V8 keeps), long ones (stack
 * traces, URLs with IDs) rarely do, and hashing one costs about as much as scanning it.
 */
const VERDICT_MAX_LENGTH = 64;
const VERDICT_CACHE_LIMIT = 10_000;

/** What the rules say about one attribute key, as bits: one map lookup per attribute, not four. */
const KEY_IGNORED = 1;
const KEY_NOT_ALLOWED = 2;
const KEY_SECRET = 4;
const KEY_SQL = 8;

/** What happened to one attribute set (or span): keys whose values were masked or deleted. */
class Tally {
  masked: string[] = [];
  redacted: string[] = [];
  get empty(): boolean {
    return this.masked.length === 0 && this.redacted.length === 0;
  }
}

export class RedactionProcessor implements SpanProcessor {
  /** Values masked and attributes deleted since start. */
  masked = 0;
  redacted = 0;
  private readonly redactString: StringRedactor;
  private readonly ignored: ReadonlySet<string>;
  private readonly allowed: ReadonlySet<string> | undefined;
  private readonly sqlKeys: ReadonlySet<string>;
  private readonly blockedKeyPatterns: RegExp[];
  /** {@link KEY_IGNORED} … bits per key; keys repeat across spans, regexes need not. */
  private readonly keyRules = new Map<string, number>();
  /**
   * The detectors' verdict per short value (null: nothing to mask), for plain and for SQL keys:
   * most attribute values repeat (issue 19 item 2: the detectors were ~4 % of the ingest main
   * thread). The detectors are pure functions of the value, so a remembered verdict is the verdict.
   */
  private readonly plainVerdicts = new Map<string, string | null>();
  private readonly sqlVerdicts = new Map<string, string | null>();

  constructor(
    readonly name: string,
    private readonly config: RedactionConfig,
  ) {
    const builtins = new Set<BuiltinPattern>(config.builtin_patterns);
    this.redactString = createStringRedactor(
      builtins,
      config.blocked_values.map((source) => new RegExp(source, 'g')),
      config.allowed_values.map((source) => new RegExp(source)),
    );
    this.ignored = new Set(config.ignored_keys);
    this.allowed = config.allow_all_keys ? undefined : new Set(config.allowed_keys);
    this.sqlKeys = new Set(config.sql_keys);
    this.blockedKeyPatterns = config.blocked_key_patterns.map((source) => new RegExp(source));
    if (builtins.has('secret_keys')) this.blockedKeyPatterns.push(SECRET_KEY);
  }

  process(spans: Span[]): Span[] {
    const resources = new Map<Resource, Resource>();
    const statusMessages = this.config.redact_status_messages;
    for (const span of spans) {
      let resource = resources.get(span.resource);
      if (resource === undefined) resources.set(span.resource, (resource = this.redactResource(span.resource)));
      span.resource = resource;
      // No allocation for a span where nothing is masked, which is nearly every span.
      let tally = this.redactAttributes(span.attributes, undefined, false);
      const events = span.events;
      for (let i = 0; i < events.length; i++) tally = this.redactAttributes(events[i]!.attributes, tally, false);
      const links = span.links;
      for (let i = 0; i < links.length; i++) tally = this.redactAttributes(links[i]!.attributes, tally, false);
      if (this.config.redact_span_names) {
        const name = this.redactString(span.name);
        if (name !== undefined) {
          span.name = name;
          (tally ??= new Tally()).masked.push('name');
        }
      }
      if (statusMessages && span.status.message !== '') {
        const message = this.redactPlain(span.status.message);
        if (message !== undefined) {
          span.status = { code: span.status.code, message };
          (tally ??= new Tally()).masked.push('status.message');
        }
      }
      if (tally !== undefined && !tally.empty) this.addSummary(span.attributes, tally);
    }
    return spans;
  }

  /**
   * The same rules on log records (a logs pipeline): resource and record attributes as on spans,
   * and the body, whose strings (a plain message, or the strings of a structured body) go through
   * the value patterns: a log line is where a card number or a token is most often printed.
   */
  processLogs(logs: LogRecord[]): LogRecord[] {
    const resources = new Map<Resource, Resource>();
    for (const log of logs) {
      let resource = resources.get(log.resource);
      if (resource === undefined) resources.set(log.resource, (resource = this.redactResource(log.resource)));
      log.resource = resource;
      let tally = this.redactAttributes(log.attributes, undefined, false);
      const body = this.redactNested(log.body);
      if (body !== undefined) {
        log.body = body;
        (tally ??= new Tally()).masked.push('body');
      }
      if (tally !== undefined && !tally.empty) this.addSummary(log.attributes, tally);
    }
    return logs;
  }

  /** Copy-on-write: the original Resource is shared with other spans, batches and pipelines. */
  private redactResource(resource: Resource): Resource {
    const attributes = resource.attributes.slice();
    const tally = this.redactAttributes(attributes, undefined, true);
    if (tally === undefined || tally.empty) return resource;
    this.addSummary(attributes, tally);
    return { ...resource, attributes };
  }

  /**
   * Edits the list in place: entries replaced (never mutated), deleted ones removed. Returns the
   * tally, created on the first masked or deleted attribute.
   */
  private redactAttributes(attributes: KeyValue[], tally: Tally | undefined, isResource: boolean): Tally | undefined {
    let kept = 0;
    const count = attributes.length;
    for (let i = 0; i < count; i++) {
      const attribute = attributes[i]!;
      const key = attribute.key;
      const rules = this.rulesOf(key);
      if ((rules & KEY_IGNORED) !== 0) {
        attributes[kept++] = attribute;
        continue;
      }
      if ((rules & KEY_NOT_ALLOWED) !== 0 && !(isResource && key === ALWAYS_KEPT_RESOURCE_KEY)) {
        (tally ??= new Tally()).redacted.push(key);
        continue;
      }
      const value = this.redactValue(rules, attribute.value);
      if (value === undefined) {
        attributes[kept++] = attribute;
      } else {
        attributes[kept++] = { key, value };
        (tally ??= new Tally()).masked.push(key);
      }
    }
    if (kept !== count) attributes.length = kept;
    return tally;
  }

  /** The masked value, or undefined when nothing was masked. */
  private redactValue(rules: number, value: AnyValue): AnyValue | undefined {
    if (value === null || value instanceof Uint8Array) return undefined;
    if ((rules & KEY_SECRET) !== 0) return maskWhole(value);
    if (typeof value === 'string') return (rules & KEY_SQL) !== 0 ? this.redactSql(value) : this.redactPlain(value);
    return this.redactNested(value);
  }

  /** {@link redactString} through the verdict cache. */
  private redactPlain(value: string): string | undefined {
    if (value.length > VERDICT_MAX_LENGTH) return this.redactString(value);
    const known = this.plainVerdicts.get(value);
    if (known !== undefined) return known ?? undefined;
    const masked = this.redactString(value);
    remember(this.plainVerdicts, value, masked);
    return masked;
  }

  /** SQL literals become `?`, then the value detectors run on what is left. */
  private redactSql(value: string): string | undefined {
    const cacheable = value.length <= VERDICT_MAX_LENGTH;
    if (cacheable) {
      const known = this.sqlVerdicts.get(value);
      if (known !== undefined) return known ?? undefined;
    }
    const stripped = stripSqlLiterals(value);
    const masked = this.redactString(stripped) ?? (stripped === value ? undefined : stripped);
    if (cacheable) remember(this.sqlVerdicts, value, masked);
    return masked;
  }

  /** Strings inside arrays and kvlists (e.g. header values, which are string arrays). */
  private redactNested(value: AnyValue): AnyValue | undefined {
    if (typeof value === 'string') return this.redactPlain(value);
    if (Array.isArray(value)) {
      let copy: AnyValue[] | undefined;
      value.forEach((item, i) => {
        const masked = this.redactNested(item);
        if (masked !== undefined) (copy ??= value.slice())[i] = masked;
      });
      return copy;
    }
    if (value !== null && typeof value === 'object' && 'kvlist' in value) {
      let copy: KeyValue[] | undefined;
      value.kvlist.forEach((entry, i) => {
        const masked = this.isSecretKey(entry.key) ? maskWhole(entry.value) : this.redactNested(entry.value);
        if (masked !== undefined) (copy ??= value.kvlist.slice())[i] = { key: entry.key, value: masked };
      });
      return copy && { kvlist: copy };
    }
    return undefined;
  }

  private isSecretKey(key: string): boolean {
    return (this.rulesOf(key) & KEY_SECRET) !== 0;
  }

  private rulesOf(key: string): number {
    let rules = this.keyRules.get(key);
    if (rules === undefined) {
      rules =
        (this.ignored.has(key) ? KEY_IGNORED : 0) |
        (this.allowed !== undefined && !this.allowed.has(key) ? KEY_NOT_ALLOWED : 0) |
        (this.blockedKeyPatterns.some((re) => re.test(key)) ? KEY_SECRET : 0) |
        (this.sqlKeys.has(key) ? KEY_SQL : 0);
      // High-cardinality keys must not grow the cache without bound.
      if (this.keyRules.size >= KEY_CACHE_LIMIT) this.keyRules.clear();
      this.keyRules.set(key, rules);
    }
    return rules;
  }

  private addSummary(attributes: KeyValue[], tally: Tally): void {
    this.masked += tally.masked.length;
    this.redacted += tally.redacted.length;
    if (this.config.summary === 'silent') return;
    const put = (key: string, value: AnyValue) => {
      const index = attributes.findIndex((attribute) => attribute.key === key);
      if (index >= 0) attributes[index] = { key, value };
      else attributes.push({ key, value });
    };
    const debug = this.config.summary === 'debug';
    if (tally.masked.length > 0) {
      put(MASKED_COUNT, BigInt(tally.masked.length));
      if (debug) put(MASKED_KEYS, [...new Set(tally.masked)].sort());
    }
    if (tally.redacted.length > 0) {
      put(REDACTED_COUNT, BigInt(tally.redacted.length));
      if (debug) put(REDACTED_KEYS, [...new Set(tally.redacted)].sort());
    }
  }
}

/** Bounded like the key cache: high-cardinality values (user IDs) must not grow it without end. */
function remember(verdicts: Map<string, string | null>, value: string, masked: string | undefined): void {
  if (verdicts.size >= VERDICT_CACHE_LIMIT) verdicts.clear();
  verdicts.set(value, masked ?? null);
}

/** A secret-named key: strings (and strings in lists) become the mask; other types are left. */
function maskWhole(value: AnyValue): AnyValue | undefined {
  if (typeof value === 'string') return value === '' || value === MASK ? undefined : MASK;
  if (Array.isArray(value)) {
    const masked = value.map((item) => maskWhole(item) ?? item);
    return masked.some((item, i) => item !== value[i]) ? masked : undefined;
  }
  return undefined;
}

export const redactionProcessorFactory: ProcessorFactory<RedactionConfig> = {
  kind: 'processor',
  type: 'redaction',
  configSchema: redactionConfigSchema,
  createDefaultConfig: () => redactionConfigSchema.parse({}),
  create: (settings, config) => ({ kind: 'processor', processor: new RedactionProcessor(settings.id.text, config) }),
  createLogs: (settings, config) => {
    const redaction = new RedactionProcessor(settings.id.text, config);
    return { kind: 'processor', processor: { name: settings.id.text, process: (logs) => redaction.processLogs(logs) } };
  },
};
