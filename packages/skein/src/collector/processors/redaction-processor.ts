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
  /** Whether a key's whole value is secret; keys repeat across spans, regexes need not. */
  private readonly secretKeyCache = new Map<string, boolean>();

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
    for (const span of spans) {
      let resource = resources.get(span.resource);
      if (resource === undefined) resources.set(span.resource, (resource = this.redactResource(span.resource)));
      span.resource = resource;
      const tally = new Tally();
      this.redactAttributes(span.attributes, tally, false);
      for (const event of span.events) this.redactAttributes(event.attributes, tally, false);
      for (const link of span.links) this.redactAttributes(link.attributes, tally, false);
      if (this.config.redact_span_names) {
        const name = this.redactString(span.name);
        if (name !== undefined) {
          span.name = name;
          tally.masked.push('name');
        }
      }
      if (this.config.redact_status_messages && span.status.message !== '') {
        const message = this.redactString(span.status.message);
        if (message !== undefined) {
          span.status = { code: span.status.code, message };
          tally.masked.push('status.message');
        }
      }
      if (!tally.empty) this.addSummary(span.attributes, tally);
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
      const tally = new Tally();
      this.redactAttributes(log.attributes, tally, false);
      const body = this.redactNested(log.body);
      if (body !== undefined) {
        log.body = body;
        tally.masked.push('body');
      }
      if (!tally.empty) this.addSummary(log.attributes, tally);
    }
    return logs;
  }

  /** Copy-on-write: the original Resource is shared with other spans, batches and pipelines. */
  private redactResource(resource: Resource): Resource {
    const attributes = resource.attributes.slice();
    const tally = new Tally();
    this.redactAttributes(attributes, tally, true);
    if (tally.empty) return resource;
    this.addSummary(attributes, tally);
    return { ...resource, attributes };
  }

  /** Edits the list in place: entries replaced (never mutated), deleted ones removed. */
  private redactAttributes(attributes: KeyValue[], tally: Tally, isResource: boolean): void {
    let kept = 0;
    for (const attribute of attributes) {
      const key = attribute.key;
      if (this.ignored.has(key)) {
        attributes[kept++] = attribute;
        continue;
      }
      if (this.allowed !== undefined && !this.allowed.has(key) && !(isResource && key === ALWAYS_KEPT_RESOURCE_KEY)) {
        tally.redacted.push(key);
        continue;
      }
      const value = this.redactValue(key, attribute.value);
      if (value === undefined) {
        attributes[kept++] = attribute;
      } else {
        attributes[kept++] = { key, value };
        tally.masked.push(key);
      }
    }
    attributes.length = kept;
  }

  /** The masked value, or undefined when nothing was masked. */
  private redactValue(key: string, value: AnyValue): AnyValue | undefined {
    if (value === null || value instanceof Uint8Array) return undefined;
    if (this.isSecretKey(key)) return maskWhole(value);
    if (typeof value === 'string') {
      if (this.sqlKeys.has(key)) {
        const stripped = stripSqlLiterals(value);
        const masked = this.redactString(stripped);
        return masked ?? (stripped === value ? undefined : stripped);
      }
      return this.redactString(value);
    }
    return this.redactNested(value);
  }

  /** Strings inside arrays and kvlists (e.g. header values, which are string arrays). */
  private redactNested(value: AnyValue): AnyValue | undefined {
    if (typeof value === 'string') return this.redactString(value);
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
    let secret = this.secretKeyCache.get(key);
    if (secret === undefined) {
      secret = this.blockedKeyPatterns.some((re) => re.test(key));
      // High-cardinality keys must not grow the cache without bound.
      if (this.secretKeyCache.size >= KEY_CACHE_LIMIT) this.secretKeyCache.clear();
      this.secretKeyCache.set(key, secret);
    }
    return secret;
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
