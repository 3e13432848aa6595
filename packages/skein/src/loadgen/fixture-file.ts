import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

/**
 * Fixture files: the OTLP protobuf `ExportTraceServiceRequest`s of a run, each preceded by its
 * length as a 4-byte big-endian unsigned integer. Replaying one sends exactly the same bytes,
 * which makes runs comparable across Skein versions without the generator in the picture.
 */

export class FixtureWriter {
  private readonly fd: number;
  private readonly header = Buffer.alloc(4);
  requests = 0;
  bytes = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  write(request: Uint8Array): void {
    this.header.writeUInt32BE(request.byteLength, 0);
    writeSync(this.fd, this.header);
    writeSync(this.fd, request);
    this.requests++;
    this.bytes += 4 + request.byteLength;
  }

  close(): void {
    closeSync(this.fd);
  }
}

export class FixtureError extends Error {
  override readonly name = 'FixtureError';
}

/** All requests of a fixture file, in order (views into one buffer). */
export function readFixture(path: string): Uint8Array[] {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    throw new FixtureError(`cannot read fixture ${path}: ${(error as Error).message}`);
  }
  const requests: Uint8Array[] = [];
  let pos = 0;
  while (pos < data.length) {
    if (pos + 4 > data.length) throw new FixtureError(`fixture ${path} is truncated: a length prefix at byte ${pos} is cut off`);
    const length = data.readUInt32BE(pos);
    pos += 4;
    if (pos + length > data.length) {
      throw new FixtureError(
        `fixture ${path} is truncated: request ${requests.length + 1} at byte ${pos - 4} wants ${length} bytes, ${data.length - pos} left`,
      );
    }
    requests.push(data.subarray(pos, pos + length));
    pos += length;
  }
  return requests;
}
