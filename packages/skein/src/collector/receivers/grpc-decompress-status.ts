import { createRequire } from 'node:module';
import { gunzip, inflate } from 'node:zlib';
import { promisify } from 'node:util';
import { status as grpcStatus } from '@grpc/grpc-js';

/**
 * A message that declares `grpc-encoding: gzip` (or deflate) but does not decompress is the
 * caller's mistake: INVALID_ARGUMENT with zlib's reason. grpc-js answers it INTERNAL ("Failed to
 * decompress message"), which callers cannot tell from a server fault.
 *
 * Why a patch and not an interceptor: in grpc-js 1.14 the message is decompressed by
 * `BaseServerInterceptingCall.decompressMessage` (build/src/server-interceptors.js), the innermost
 * layer under every server interceptor; a failure there is sent by that layer's own `sendStatus`,
 * which no interceptor sees (interceptors wrap it from the outside and only ever get decompressed
 * messages). No server option turns decompression off. So the one method is wrapped here: gzip and
 * deflate messages are decompressed by the same zlib calls, with the same size limit and the same
 * RESOURCE_EXHAUSTED above it, and a zlib failure becomes INVALID_ARGUMENT naming zlib's reason;
 * every other encoding goes to grpc-js's own method unchanged. The wrap applies to every gRPC
 * server of the process (all of them are ours). If a grpc-js upgrade renames the method, the
 * wrap is not installed and test/e2e/hostile-input.test.ts fails on the INTERNAL it gets back.
 */

interface GrpcStatusObject {
  code: number;
  details: string;
}

interface DecompressingCall {
  maxReceiveMessageSize: number;
  decompressMessage(message: Buffer, encoding: string): Buffer | Promise<Buffer>;
}

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
let installed: boolean | undefined;

/** Installs the wrap once; false when this grpc-js has no such method (then grpc-js answers INTERNAL). */
export function installGrpcDecompressStatus(): boolean {
  if (installed !== undefined) return installed;
  const require = createRequire(import.meta.url);
  let prototype: DecompressingCall | undefined;
  try {
    const module = require('@grpc/grpc-js/build/src/server-interceptors.js') as {
      BaseServerInterceptingCall?: { prototype: DecompressingCall };
    };
    prototype = module.BaseServerInterceptingCall?.prototype;
  } catch {
    prototype = undefined;
  }
  const original = prototype?.decompressMessage;
  if (!prototype || typeof original !== 'function') return (installed = false);
  prototype.decompressMessage = function (this: DecompressingCall, message: Buffer, encoding: string) {
    if (encoding !== 'gzip' && encoding !== 'deflate') return original.call(this, message, encoding);
    return decompress(message.subarray(5), encoding, this.maxReceiveMessageSize);
  };
  return (installed = true);
}

async function decompress(contents: Buffer, encoding: 'gzip' | 'deflate', maxBytes: number): Promise<Buffer> {
  const options = maxBytes === -1 ? {} : { maxOutputLength: maxBytes };
  try {
    return encoding === 'gzip' ? await gunzipAsync(contents, options) : await inflateAsync(contents, options);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const rejection: GrpcStatusObject =
      (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE'
        ? { code: grpcStatus.RESOURCE_EXHAUSTED, details: `Received message that decompresses to a size larger than ${maxBytes}` }
        : { code: grpcStatus.INVALID_ARGUMENT, details: `cannot decompress the ${encoding} message: ${reason}` };
    throw rejection;
  }
}
