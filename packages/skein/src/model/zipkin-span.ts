/**
 * Zipkin v2 span, as the three Zipkin decoders (v2 JSON, v2 protobuf, v1 JSON) produce it and
 * {@link zipkinToModel} consumes it. One intermediate shape means the mapping to Skein's model
 * (the OpenTelemetry rules) is written, and tested, once.
 *
 * IDs stay as sent (hex text, any case and length) and times stay in microseconds: checking and
 * normalising them is the converter's job, so that a bad ID drops one span, never the request.
 */

export type ZipkinKind = 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';

export interface ZipkinEndpoint {
  serviceName?: string;
  ipv4?: string;
  ipv6?: string;
  port?: number;
}

export interface ZipkinAnnotation {
  /** Microseconds since the epoch. */
  timestamp: bigint;
  value: string;
}

export interface ZipkinSpan {
  traceId: string;
  id: string;
  /** '' for a root span. */
  parentId: string;
  kind?: ZipkinKind;
  name: string;
  /** Microseconds since the epoch; absent on spans reported without a start. */
  timestamp?: bigint;
  /** Microseconds. */
  duration?: bigint;
  localEndpoint?: ZipkinEndpoint;
  remoteEndpoint?: ZipkinEndpoint;
  annotations: ZipkinAnnotation[];
  /** In the order sent. */
  tags: Array<[string, string]>;
  debug: boolean;
  shared: boolean;
}

/** What a Zipkin decoder found: spans it could read, and why it could not read the others. */
export interface ZipkinDecoded {
  spans: ZipkinSpan[];
  /** One reason per span dropped while decoding (shape errors), naming the span's position. */
  rejected: string[];
}

export const ZIPKIN_KINDS: readonly ZipkinKind[] = ['CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER'];

/** Dotted IPv4 text of 4 bytes. */
export function ipv4ToText(bytes: Uint8Array): string {
  return Array.from(bytes).join('.');
}

/** IPv6 text of 16 bytes (groups without leading zeros, longest zero run compressed). */
export function ipv6ToText(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLength && j - i > 1) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
