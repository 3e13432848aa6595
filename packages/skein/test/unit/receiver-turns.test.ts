import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { ReceiverTurns } from '../../src/collector/receivers/receiver-turns.js';

function busyFor(millis: number): void {
  const until = performance.now() + millis;
  while (performance.now() < until);
}

test('turns are released in arrival order, one at a time', async () => {
  const turns = new ReceiverTurns();
  const order: number[] = [];
  await Promise.all(
    [0, 1, 2, 3].map(async (index) => {
      await turns.next();
      order.push(index);
    }),
  );
  assert.deepEqual(order, [0, 1, 2, 3]);
  assert.equal(turns.queued, 0);
});

test('a listener accepts new connections between released requests, not after all of them', async (t) => {
  // libuv (Node 20) accepts one connection per loop turn: if every waiting request's work ran in
  // one turn, connections arriving meanwhile would be accepted only after all of it (issue 20).
  const events: string[] = [];
  const server = createServer((socket) => {
    events.push('accepted');
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const clients: Socket[] = [];
  t.after(() => {
    for (const client of clients) client.destroy();
    server.close();
  });

  const turns = new ReceiverTurns();
  const jobs = 6;
  await Promise.all(
    Array.from({ length: jobs }, async (_, index) => {
      await turns.next();
      events.push(`job ${index}`);
      if (index === 0) {
        // The connections complete their handshakes in the kernel while job 0 keeps the thread.
        for (let i = 0; i < 4; i++) clients.push(connect(port, '127.0.0.1').on('error', () => undefined));
      }
      busyFor(20);
    }),
  );
  const lastJob = events.indexOf(`job ${jobs - 1}`);
  const acceptedBefore = events.slice(0, lastJob).filter((event) => event === 'accepted').length;
  assert.ok(acceptedBefore >= 2, `connections accepted before the last job: ${acceptedBefore} (${events.join(', ')})`);
});
