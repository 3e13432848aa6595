import type { IncomingMessage, ServerResponse } from 'node:http';

/** How long, and how many bytes, a refused body is still read after the answer, so the client reads the answer. */
export interface LingerLimits {
  maxLingerMillis: number;
  maxDiscardBytes: number;
}

/**
 * Go's http.Server waits 500 ms after a close for the same reason; a 65 MiB upload over loopback
 * finishes within 2 s on this machine, so 5 s lets a refused upload finish sending on a slow link
 * too, and 256 MiB covers four bodies at the 64 MiB default limit.
 */
export const DEFAULT_LINGER_LIMITS: LingerLimits = { maxLingerMillis: 5_000, maxDiscardBytes: 256 * 1024 * 1024 };

/**
 * Closes the connection after this response without losing the answer. A body refused before it
 * was read (413, 429) is still arriving; closing at once with unread bytes in the kernel's buffer
 * makes the kernel send a TCP reset, and a reset makes the client's kernel drop the 413 it had
 * already received (clients saw "connection reset" instead of 413 on a 65 MiB upload). So the
 * answer is sent with `Connection: close`, then the write side is closed (FIN), and the rest of
 * the body is read and discarded until the client closes, up to `maxLingerMillis` and
 * `maxDiscardBytes`: only then is the socket destroyed.
 */
export function closeAfterAnswer(request: IncomingMessage, response: ServerResponse, limits: LingerLimits = DEFAULT_LINGER_LIMITS): void {
  response.setHeader('Connection', 'close');
  if (request.complete) return;
  const socket = request.socket;
  // node:http ends a `Connection: close` response with socket.destroySoon(): linger there instead.
  let lingering = false;
  socket.destroySoon = () => {
    if (lingering) return;
    lingering = true;
    let discardedBytes = 0;
    const timer = setTimeout(() => socket.destroy(), limits.maxLingerMillis);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    socket.once('end', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      discardedBytes += chunk.length;
      if (discardedBytes > limits.maxDiscardBytes) socket.destroy();
    });
    socket.end();
    socket.resume();
  };
}
