import type { ChatEvent, Notice } from '../../src/core/events';
import { ChatMetrics } from '../../src/metrics/chat-metrics';
import type { ConnectionLogEntry } from '../../src/metrics/connection-log';
import { parseSeries } from '../support/http-get';

const remote = (port: number) => ({ address: '10.0.0.1', port });

/** A ChatMetrics fed by hand: `transport(name)` as the transports' events, `chat` as what passes the operators. */
function setup() {
  const log: ConnectionLogEntry[] = [];
  const metrics = new ChatMetrics({ onConnectionLog: (entry) => log.push(entry), now: () => 1_000 });
  const tcp = metrics.transportEvents('tcp');
  const ws = metrics.transportEvents('websocket');
  const series = async () => parseSeries(await metrics.registry.metrics());
  /** An event as it goes: from its transport, through operators that let it pass unchanged. */
  const pass = (from: (event: ChatEvent) => void, event: ChatEvent) => {
    from(event);
    metrics.chatEvents(event);
  };
  return { metrics, tcp, ws, series, pass, log };
}

const kick = (id: string, reason: Notice): ChatEvent => ({ type: 'kick', id, reason });

describe('ChatMetrics', () => {
  it('counts a client in the chat from its connected event passing the operators until it leaves, however it leaves', async () => {
    const { tcp, ws, pass, series, metrics } = setup();
    pass(tcp, { type: 'connected', id: 't1', remote: remote(1) });
    pass(tcp, { type: 'connected', id: 't2', remote: remote(2) });
    pass(ws, { type: 'connected', id: 'w1', remote: remote(3) });
    pass(ws, { type: 'connected', id: 'w2', remote: remote(4) });
    pass(tcp, { type: 'connected', id: 't1', remote: remote(1) }); // seen twice: still one
    metrics.chatEvents({ type: 'connected', id: 't2', remote: remote(2) });
    let s = await series();
    expect(s.get('rxchat_clients{transport="tcp"}')).toBe(2);
    expect(s.get('rxchat_clients{transport="websocket"}')).toBe(2);
    expect(s.get('rxchat_connections_total{transport="tcp"}')).toBe(2);

    // /quit and a kick leave the chat at once, before the connection is gone...
    metrics.chatEvents({ type: 'command', id: 't1', command: { name: 'quit' } });
    metrics.chatEvents(kick('w1', { code: 'idle-timeout' }));
    s = await series();
    expect(s.get('rxchat_clients{transport="tcp"}')).toBe(1);
    expect(s.get('rxchat_clients{transport="websocket"}')).toBe(1);
    // ...and their hang-ups count nothing more.
    pass(tcp, { type: 'disconnected', id: 't1', reason: 'closed' });
    pass(ws, { type: 'disconnected', id: 'w1', reason: 'closed' });
    pass(ws, { type: 'disconnected', id: 'w2', reason: 'error', error: 'ECONNRESET' });
    s = await series();
    expect(s.get('rxchat_clients{transport="tcp"}')).toBe(1);
    expect(s.get('rxchat_clients{transport="websocket"}')).toBe(0);
    expect(s.get('rxchat_evictions_total{reason="idle-timeout"}')).toBe(1);
  });

  it('counts a kick of a connection not in the chat as a refusal, by the notice code, whatever the code', async () => {
    const { tcp, ws, series, log, metrics } = setup();
    // The operators turned these away: their connected events never passed.
    tcp({ type: 'connected', id: 't1', remote: remote(1) });
    metrics.chatEvents(kick('t1', { code: 'server-full' }));
    ws({ type: 'connected', id: 'w1', remote: remote(2) });
    metrics.chatEvents(kick('w1', { code: 'too-many-from-address' } as unknown as Notice)); // a code added later
    metrics.chatEvents(kick('w1', { code: 'server-full' })); // a second kick of the same: counted once
    tcp({ type: 'line', id: 't1', text: 'let me in' }); // a refused connection's lines go nowhere
    metrics.chatEvents(kick('nobody', { code: 'server-full' })); // not a connection: nothing

    const s = await series();
    expect(s.get('rxchat_connections_refused_total{reason="server-full"}')).toBe(1);
    expect(s.get('rxchat_connections_refused_total{reason="too-many-from-address"}')).toBe(1);
    expect(s.get('rxchat_clients{transport="tcp"}')).toBe(0);
    expect(s.get('rxchat_lines_received_total')).toBe(1);
    expect(s.get('rxchat_lines_dropped_total{reason="refused"}')).toBe(1);
    expect(s.get('rxchat_evictions_total{reason="idle-timeout"}')).toBe(0);
    expect(log).toEqual([
      { type: 'refused', reason: 'server-full', transport: 'tcp', id: 't1', remote: remote(1), at: 1_000 },
      {
        type: 'refused',
        reason: 'too-many-from-address',
        transport: 'websocket',
        id: 'w1',
        remote: remote(2),
        at: 1_000,
      },
    ]);
  });

  it('counts newcomers turned away after a shutdown as refused, and nothing else after it', async () => {
    const { tcp, pass, series, metrics } = setup();
    pass(tcp, { type: 'connected', id: 't1', remote: remote(1) });
    metrics.chatEvents({ type: 'shutdown' });
    pass(tcp, { type: 'connected', id: 't2', remote: remote(2) });
    metrics.chatEvents(kick('t1', { code: 'idle-timeout' }));
    const s = await series();
    expect(s.get('rxchat_connections_refused_total{reason="shutting-down"}')).toBe(1);
    expect(s.get('rxchat_clients{transport="tcp"}')).toBe(1);
    expect(s.get('rxchat_evictions_total{reason="idle-timeout"}')).toBe(0);
  });

  it('counts lines received and dropped from the transports, the rate limiter and native discards', async () => {
    const { tcp, pass, series, metrics } = setup();
    pass(tcp, { type: 'connected', id: 't1', remote: remote(1) });
    tcp({ type: 'line', id: 't1', text: 'one' });
    tcp({ type: 'line', id: 't1', text: '' });
    tcp({ type: 'line-too-long', id: 't1', maxBytes: 10 });
    metrics.dropped('rate-limited');
    metrics.discarded('rate-limited', 5);
    const s = await series();
    expect(s.get('rxchat_lines_received_total')).toBe(8);
    expect(s.get('rxchat_lines_dropped_total{reason="rate-limited"}')).toBe(6);
    expect(s.get('rxchat_lines_dropped_total{reason="line-too-long"}')).toBe(1);
  });

  it("records the transports' evictions with the connection's address, and sums their unsent output when scraped", async () => {
    const { tcp, pass, series, log, metrics } = setup();
    pass(tcp, { type: 'connected', id: 't1', remote: remote(1) });
    metrics.evicted('t1', 'slow-reader');
    metrics.evicted('t1', 'output-budget'); // a reason added later
    metrics.refused('handshake-timeout', 'tcp', remote(9));
    let held = 10;
    metrics.track({ bufferedBytes: () => held });
    metrics.track({ bufferedBytes: () => 5 });
    metrics.bytesSent += 100;
    metrics.deliveries += 3;

    let s = await series();
    expect(s.get('rxchat_evictions_total{reason="slow-reader"}')).toBe(1);
    expect(s.get('rxchat_evictions_total{reason="output-budget"}')).toBe(1);
    expect(s.get('rxchat_connections_refused_total{reason="handshake-timeout"}')).toBe(1);
    expect(s.get('rxchat_output_buffered_bytes')).toBe(15);
    expect(s.get('rxchat_bytes_sent_total')).toBe(100);
    expect(s.get('rxchat_deliveries_total')).toBe(3);
    expect(log.map((e) => [e.type, e.reason, e.remote])).toEqual([
      ['evicted', 'slow-reader', remote(1)],
      ['evicted', 'output-budget', remote(1)],
      ['refused', 'handshake-timeout', remote(9)],
    ]);
    held = 0;
    s = await series();
    expect(s.get('rxchat_output_buffered_bytes')).toBe(5);
    // Counters scraped twice do not double.
    expect(s.get('rxchat_bytes_sent_total')).toBe(100);
  });

  it('has its own registry: two in one process do not clash', async () => {
    const a = setup();
    const b = setup();
    a.pass(a.tcp, { type: 'connected', id: 't1', remote: remote(1) });
    expect((await a.series()).get('rxchat_clients{transport="tcp"}')).toBe(1);
    expect((await b.series()).get('rxchat_clients{transport="tcp"}')).toBe(0);
  });
});
