import type { IncomingMessage } from 'node:http';
import { createGunzip, createInflate, type Gunzip, type Inflate } from 'node:zlib';
import type { BodyReservation } from './in-flight-bytes.js';

export type BodyResult =
  { readonly ok: true; readonly body: Buffer } | { readonly ok: false; readonly status: 400 | 413 | 415 | 429; readonly message: string };

/**
 * Reads a request body, decompressing gzip/deflate, and stops as soon as the limit is passed:
 * the limit applies to the decompressed size (a 1 MiB gzip bomb of 1 GiB zeros is refused after
 * `maxBytes`, never buffered) and to the bytes on the wire. With a reservation, every decoded byte
 * kept is also taken from the receivers' shared in-flight budget; when it is spent the read stops
 * with 429 (the caller releases the reservation once the request is answered).
 */
export function readBody(request: IncomingMessage, maxBytes: number, reservation?: BodyReservation): Promise<BodyResult> {
  const refusal = checkBodyHeaders(request, maxBytes);
  if (refusal !== undefined) return Promise.resolve(refusal);
  const encoding = contentEncodingOf(request);
  const decoder: Gunzip | Inflate | undefined =
    encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : undefined;

  return new Promise<BodyResult>((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let decoded = 0;
    let settled = false;
    const finish = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      if (!result.ok) {
        request.unpipe();
        decoder?.destroy();
      }
      resolve(result);
    };
    const tooLarge = (): BodyResult => ({
      ok: false,
      status: 413,
      message: `request body exceeds the limit of ${maxBytes} bytes${decoder ? ' after decompression' : ''}`,
    });

    request.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) finish(tooLarge());
    });
    request.on('error', (error) => finish({ ok: false, status: 400, message: `could not read the request body: ${error.message}` }));
    request.on('aborted', () => finish({ ok: false, status: 400, message: 'the client aborted the request' }));

    const sink = decoder ?? request;
    if (decoder) {
      request.pipe(decoder);
      decoder.on('error', (error) =>
        finish({ ok: false, status: 400, message: `could not decompress the ${encoding} body: ${error.message}` }),
      );
    }
    sink.on('data', (chunk: Buffer) => {
      if (settled) return;
      decoded += chunk.length;
      if (decoded > maxBytes) finish(tooLarge());
      // growTo: the bytes a request declared were reserved when its headers were admitted.
      else if (reservation && !reservation.growTo(decoded)) {
        finish({ ok: false, status: 429, message: 'too many request bytes in flight: Skein is reading or processing other requests' });
      } else chunks.push(chunk);
    });
    sink.on('end', () => finish({ ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, decoded) }));
  });
}

function contentEncodingOf(request: IncomingMessage): string {
  return (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
}

/**
 * What the headers alone already refuse: an unsupported Content-Encoding (415) or a declared
 * length past the limit (413). Receivers check it before admission, so such a request gets its
 * precise status rather than a 429 under load.
 */
export function checkBodyHeaders(request: IncomingMessage, maxBytes: number): BodyResult | undefined {
  const encoding = contentEncodingOf(request);
  if (!['gzip', 'x-gzip', 'deflate', 'identity', ''].includes(encoding)) {
    return { ok: false, status: 415, message: `unsupported Content-Encoding "${encoding}": use gzip, deflate or none` };
  }
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return { ok: false, status: 413, message: `request body of ${declared} bytes exceeds the limit of ${maxBytes} bytes` };
  }
  return undefined;
}
