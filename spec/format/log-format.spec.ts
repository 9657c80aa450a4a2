import type { LogEntry } from '../../src/core/events';
import { formatLog } from '../../src/format/log-format';

describe('the server log format', () => {
  it.each<[string, LogEntry, string]>([
    [
      'a connection',
      { type: 'connected', name: 'alice', remote: { address: '127.0.0.1', port: 51234 } },
      '[+] alice connected from 127.0.0.1:51234',
    ],
    ['a message', { type: 'said', name: 'alice', text: 'hi there' }, 'alice: hi there'],
    ['a disconnection', { type: 'disconnected', name: 'alice' }, '[-] alice disconnected'],
    ['a /quit', { type: 'disconnected', name: 'alice', reason: { kind: 'quit' } }, '[-] alice disconnected (quit)'],
    [
      'a /quit with a reason',
      { type: 'disconnected', name: 'alice', reason: { kind: 'quit', text: 'bye' } },
      '[-] alice disconnected (quit: bye)',
    ],
    [
      'a kick',
      { type: 'disconnected', name: 'alice', reason: { kind: 'kicked', notice: { code: 'idle-timeout' } } },
      '[-] alice disconnected (idle timeout)',
    ],
    [
      'an error',
      { type: 'error', name: 'alice', error: 'ECONNRESET: read ECONNRESET' },
      '[!] Error with alice: ECONNRESET: read ECONNRESET',
    ],
    ['a rename', { type: 'renamed', from: 'alice', to: 'alicia' }, '[*] alice is now known as alicia'],
  ])('prints %s as %j', (_what, entry, line) => {
    expect(formatLog(entry)).toBe(line);
  });
});
