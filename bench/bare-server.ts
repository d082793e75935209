// The floor for bench/server.ts: socket.io with the same options and the same
// event names, doing only an ack and a room broadcast per command — no game,
// no validation, no disk. Speaks just enough of the protocol for the bots.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

const httpServer = createServer((_req, res) => res.end('ok'));
const io = new Server(httpServer, { maxHttpBufferSize: 16 * 1024, serveClient: false });
const seqs = new Map<string, number>();
// BARE_PAD bytes of filler per broadcast, to compare at the size of our events (bench --bare-pad).
const pad = 'x'.repeat(Number(process.env.BARE_PAD ?? 0));
let rooms = 0;

io.on('connection', (socket) => {
  let code = '';
  socket.onAny((event: string, ...args: unknown[]) => {
    const ack = args[args.length - 1];
    if (typeof ack !== 'function') return;
    const payload = args[0] as { code?: string };
    if (event === 'room:create' || event === 'room:join') {
      code = event === 'room:create' ? `R${++rooms}` : String(payload.code);
      if (!seqs.has(code)) seqs.set(code, 1);
      void socket.join(code);
      const identity = { code, host: event === 'room:create', playerId: socket.id, seat: null };
      ack({ ok: true, data: { identity, token: 'x', hostToken: 'x', snapshot: { state: {} } } });
      return;
    }
    const seq = (seqs.get(code) ?? 0) + 1;
    seqs.set(code, seq);
    const envelope = { seq, at: Date.now(), event: { type: 'note', text: event, pad } };
    io.to(code).emit('room:events', { code, events: [envelope] });
    ack({ ok: true, data: { seq } });
  });
});

process.on('message', (message: unknown) => {
  if (message === 'memory') {
    process.send?.({ memory: process.memoryUsage(), cpu: process.cpuUsage(), rooms: seqs.size });
  }
});
process.on('SIGTERM', () => {
  void io.close(() => process.exit(0));
});

httpServer.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`);
});
