import type { LogEntry } from '../../src/core/events';
import { formatJsonConnectionLog, formatJsonLog, jsonLogLine } from '../../src/format/json-log';

const AT = Date.UTC(2026, 10, 27, 8, 30, 0, 123);
const TIME = '2026-11-27T08:30:00.123Z';
const remote = { address: '127.0.0.1', port: 51234 };

describe('the JSON log format', () => {
  it.each<[string, LogEntry, Record<string, unknown>]>([
    [
      'a connection',
      { type: 'connected', name: 'alice', remote },
      { level: 'info', event: 'connected', name: 'alice', address: '127.0.0.1', port: 51234 },
    ],
    [
      'a message, without its text',
      { type: 'said', name: 'alice', text: 'my secret' },
      { level: 'info', event: 'said', name: 'alice' },
    ],
    [
      'a disconnection',
      { type: 'disconnected', name: 'alice' },
      { level: 'info', event: 'disconnected', name: 'alice' },
    ],
    [
      'a /quit, without its reason',
      { type: 'disconnected', name: 'alice', reason: { kind: 'quit', text: 'my secret' } },
      { level: 'info', event: 'disconnected', name: 'alice', reason: 'quit' },
    ],
    [
      'a kick, by its code',
      { type: 'disconnected', name: 'alice', reason: { kind: 'kicked', notice: { code: 'idle-timeout' } } },
      { level: 'info', event: 'disconnected', name: 'alice', reason: 'idle-timeout' },
    ],
    [
      "a kick in an operator's words",
      {
        type: 'disconnected',
        name: 'alice',
        reason: { kind: 'kicked', notice: { code: 'text', level: 'error', text: 'banned' } },
      },
      { level: 'info', event: 'disconnected', name: 'alice', reason: 'text', notice: 'banned' },
    ],
    [
      'an error',
      { type: 'error', name: 'alice', error: 'ECONNRESET: read ECONNRESET' },
      { level: 'warn', event: 'error', name: 'alice', error: 'ECONNRESET: read ECONNRESET' },
    ],
    [
      'a rename',
      { type: 'renamed', from: 'alice', to: 'alicia' },
      { level: 'info', event: 'renamed', from: 'alice', to: 'alicia' },
    ],
  ])('writes %s as one JSON object: time, level, event, fields', (_what, entry, fields) => {
    const line = formatJsonLog(entry, AT);
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({ time: TIME, ...fields });
    expect(Object.keys(JSON.parse(line)).slice(0, 3)).toEqual(['time', 'level', 'event']);
    expect(line).not.toContain('my secret');
  });

  it('includes what users wrote only when asked to', () => {
    expect(
      JSON.parse(formatJsonLog({ type: 'said', name: 'alice', text: 'hi "there"\n' }, AT, { messages: true })),
    ).toEqual({
      time: TIME,
      level: 'info',
      event: 'said',
      name: 'alice',
      text: 'hi "there"\n',
    });
    expect(
      JSON.parse(
        formatJsonLog({ type: 'disconnected', name: 'alice', reason: { kind: 'quit', text: 'bye' } }, AT, {
          messages: true,
        }),
      ),
    ).toMatchObject({
      reason: 'quit',
      text: 'bye',
    });
  });

  it("writes the server's evictions and refusals with the connection's transport and address", () => {
    expect(
      JSON.parse(
        formatJsonConnectionLog({
          type: 'evicted',
          reason: 'slow-reader',
          transport: 'websocket',
          id: 'ab:w3',
          remote,
          at: AT,
        }),
      ),
    ).toEqual({
      time: TIME,
      level: 'warn',
      event: 'evicted',
      reason: 'slow-reader',
      transport: 'websocket',
      id: 'ab:w3',
      address: '127.0.0.1',
      port: 51234,
    });
    expect(
      JSON.parse(formatJsonConnectionLog({ type: 'refused', reason: 'handshake-timeout', transport: 'tcp', at: AT })),
    ).toEqual({
      time: TIME,
      level: 'warn',
      event: 'refused',
      reason: 'handshake-timeout',
      transport: 'tcp',
    });
  });

  it('puts time, level and event before the fields, which cannot replace them', () => {
    expect(
      jsonLogLine(AT, 'info', 'listening', { host: '::1', port: 5000, event: 'forged', level: 'error', time: 0 }),
    ).toBe(`{"time":"${TIME}","level":"info","event":"listening","host":"::1","port":5000}`);
  });
});
