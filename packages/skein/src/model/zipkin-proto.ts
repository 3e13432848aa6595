import { MessageSchema, ProtoReader, WireType } from './protobuf-reader.js';
import {
  ipv4ToText,
  ipv6ToText,
  type ZipkinAnnotation,
  type ZipkinDecoded,
  type ZipkinEndpoint,
  type ZipkinKind,
  type ZipkinSpan,
} from './zipkin-span.js';

/**
 * Zipkin v2 protobuf (`zipkin.proto3`, message `ListOfSpans`, sent as `application/x-protobuf`)
 * → Zipkin spans. Hand-written on {@link ProtoReader} like the OTLP decoder: a broken body is a
 * {@link OtlpDecodeError} naming the byte offset (→ 400); IDs are kept as hex of whatever length
 * was sent, so a bad ID drops its span later, in the converter, not the request.
 */

const LIST_OF_SPANS = new MessageSchema('ListOfSpans', [[1, 'spans', WireType.LEN]]);
const SPAN = new MessageSchema('Span', [
  [1, 'trace_id', WireType.LEN],
  [2, 'parent_id', WireType.LEN],
  [3, 'id', WireType.LEN],
  [4, 'kind', WireType.VARINT],
  [5, 'name', WireType.LEN],
  [6, 'timestamp', WireType.I64],
  [7, 'duration', WireType.VARINT],
  [8, 'local_endpoint', WireType.LEN],
  [9, 'remote_endpoint', WireType.LEN],
  [10, 'annotations', WireType.LEN],
  [11, 'tags', WireType.LEN],
  [12, 'debug', WireType.VARINT],
  [13, 'shared', WireType.VARINT],
]);
const ENDPOINT = new MessageSchema('Endpoint', [
  [1, 'service_name', WireType.LEN],
  [2, 'ipv4', WireType.LEN],
  [3, 'ipv6', WireType.LEN],
  [4, 'port', WireType.VARINT],
]);
const ANNOTATION = new MessageSchema('Annotation', [
  [1, 'timestamp', WireType.I64],
  [2, 'value', WireType.LEN],
]);
const TAG_ENTRY = new MessageSchema('Span.TagsEntry', [
  [1, 'key', WireType.LEN],
  [2, 'value', WireType.LEN],
]);

/** `Span.Kind` enum values (0 = SPAN_KIND_UNSPECIFIED). */
const KINDS: readonly (ZipkinKind | undefined)[] = [undefined, 'CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER'];

export function decodeZipkinProto(buf: Uint8Array): ZipkinDecoded {
  const reader = new ProtoReader(buf);
  const end = buf.length;
  const spans: ZipkinSpan[] = [];
  while (reader.pos < end) {
    const tag = reader.tag(end, LIST_OF_SPANS);
    if (tag === ((1 << 3) | WireType.LEN)) spans.push(readSpan(reader, reader.lengthEnd(end, 'ListOfSpans.spans')));
    else reader.skipUnknown(tag, end, LIST_OF_SPANS);
  }
  return { spans, rejected: [] };
}

function readSpan(reader: ProtoReader, end: number): ZipkinSpan {
  const span: ZipkinSpan = { traceId: '', id: '', parentId: '', name: '', annotations: [], tags: [], debug: false, shared: false };
  while (reader.pos < end) {
    const tag = reader.tag(end, SPAN);
    const at = reader.pos;
    switch (tag) {
      case (1 << 3) | WireType.LEN:
        span.traceId = reader.hex(end, 'Span.trace_id');
        break;
      case (2 << 3) | WireType.LEN:
        span.parentId = reader.hex(end, 'Span.parent_id');
        break;
      case (3 << 3) | WireType.LEN:
        span.id = reader.hex(end, 'Span.id');
        break;
      case (4 << 3) | WireType.VARINT: {
        const kind = reader.uint32(end, 'Span.kind');
        if (kind >= KINDS.length) reader.fail(`unknown Span.kind ${kind}`, at, 'Span');
        const name = KINDS[kind];
        if (name === undefined) delete span.kind;
        else span.kind = name;
        break;
      }
      case (5 << 3) | WireType.LEN:
        span.name = reader.string(end, 'Span.name');
        break;
      case (6 << 3) | WireType.I64: {
        const timestamp = reader.fixed64(end, 'Span.timestamp');
        if (timestamp !== 0n) span.timestamp = timestamp;
        break;
      }
      case (7 << 3) | WireType.VARINT: {
        const duration = BigInt.asUintN(64, reader.int64(end, 'Span.duration'));
        if (duration !== 0n) span.duration = duration;
        break;
      }
      case (8 << 3) | WireType.LEN:
        span.localEndpoint = readEndpoint(reader, reader.lengthEnd(end, 'Span.local_endpoint'));
        break;
      case (9 << 3) | WireType.LEN:
        span.remoteEndpoint = readEndpoint(reader, reader.lengthEnd(end, 'Span.remote_endpoint'));
        break;
      case (10 << 3) | WireType.LEN:
        span.annotations.push(readAnnotation(reader, reader.lengthEnd(end, 'Span.annotations')));
        break;
      case (11 << 3) | WireType.LEN:
        span.tags.push(readTag(reader, reader.lengthEnd(end, 'Span.tags')));
        break;
      case (12 << 3) | WireType.VARINT:
        span.debug = reader.bool(end, 'Span.debug');
        break;
      case (13 << 3) | WireType.VARINT:
        span.shared = reader.bool(end, 'Span.shared');
        break;
      default:
        reader.skipUnknown(tag, end, SPAN);
    }
  }
  return span;
}

function readEndpoint(reader: ProtoReader, end: number): ZipkinEndpoint {
  const endpoint: ZipkinEndpoint = {};
  while (reader.pos < end) {
    const tag = reader.tag(end, ENDPOINT);
    const at = reader.pos;
    switch (tag) {
      case (1 << 3) | WireType.LEN: {
        const serviceName = reader.string(end, 'Endpoint.service_name');
        if (serviceName !== '') endpoint.serviceName = serviceName;
        break;
      }
      case (2 << 3) | WireType.LEN: {
        const ip = reader.bytes(end, 'Endpoint.ipv4');
        if (ip.length !== 0 && ip.length !== 4) reader.fail(`Endpoint.ipv4 of ${ip.length} bytes (expected 4)`, at, 'Endpoint');
        if (ip.length === 4) endpoint.ipv4 = ipv4ToText(ip);
        break;
      }
      case (3 << 3) | WireType.LEN: {
        const ip = reader.bytes(end, 'Endpoint.ipv6');
        if (ip.length !== 0 && ip.length !== 16) reader.fail(`Endpoint.ipv6 of ${ip.length} bytes (expected 16)`, at, 'Endpoint');
        if (ip.length === 16) endpoint.ipv6 = ipv6ToText(ip);
        break;
      }
      case (4 << 3) | WireType.VARINT: {
        const port = reader.uint32(end, 'Endpoint.port');
        if (port > 65535) reader.fail(`Endpoint.port ${port} out of range`, at, 'Endpoint');
        if (port !== 0) endpoint.port = port;
        break;
      }
      default:
        reader.skipUnknown(tag, end, ENDPOINT);
    }
  }
  return endpoint;
}

function readAnnotation(reader: ProtoReader, end: number): ZipkinAnnotation {
  const annotation: ZipkinAnnotation = { timestamp: 0n, value: '' };
  while (reader.pos < end) {
    const tag = reader.tag(end, ANNOTATION);
    if (tag === ((1 << 3) | WireType.I64)) annotation.timestamp = reader.fixed64(end, 'Annotation.timestamp');
    else if (tag === ((2 << 3) | WireType.LEN)) annotation.value = reader.string(end, 'Annotation.value');
    else reader.skipUnknown(tag, end, ANNOTATION);
  }
  return annotation;
}

function readTag(reader: ProtoReader, end: number): [string, string] {
  let key = '';
  let value = '';
  while (reader.pos < end) {
    const tag = reader.tag(end, TAG_ENTRY);
    if (tag === ((1 << 3) | WireType.LEN)) key = reader.string(end, 'Span.TagsEntry.key');
    else if (tag === ((2 << 3) | WireType.LEN)) value = reader.string(end, 'Span.TagsEntry.value');
    else reader.skipUnknown(tag, end, TAG_ENTRY);
  }
  return [key, value];
}
