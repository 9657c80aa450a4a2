import type { ChatMessage } from '../../src/core/events';
import { formatJson } from '../../src/format/json-format';
import { encodeLine, formatText } from '../../src/format/text-format';

describe('the TCP text protocol', () => {
  it.each<[string, ChatMessage, string]>([
    ['the welcome', { type: 'welcome', name: 'alice' }, '[*] Welcome, alice! Type /help for commands.'],
    ['a join', { type: 'joined', name: 'alice' }, 'alice joined the chat'],
    ['a message', { type: 'said', name: 'alice', text: 'hello: world' }, 'alice: hello: world'],
    ['a leave', { type: 'left', name: 'alice' }, '[-] alice left the chat.'],
    ['a leave with a reason', { type: 'left', name: 'alice', reason: 'bye' }, '[-] alice left the chat. (bye)'],
    ['a rename', { type: 'renamed', from: 'alice', to: 'alicia' }, 'alice is now known as alicia'],
    ['an action', { type: 'action', name: 'alice', text: 'waves' }, '* alice waves'],
    ['a private message', { type: 'private', from: 'alice', text: 'psst' }, '[pm] alice: psst'],
    ['who is online', { type: 'who', names: ['alice', 'bob'], count: 2 }, '[*] 2 online: alice, bob'],
    [
      'who is online, bounded',
      { type: 'who', names: ['alice', 'bob'], count: 2000 },
      '[*] 2000 online: alice, bob, ... (first 2; /who PREFIX to search)',
    ],
    [
      'who matches a prefix',
      { type: 'who', names: ['alice', 'Al_x'], count: 2, prefix: 'al' },
      '[*] 2 online matching "al": alice, Al_x',
    ],
    [
      'who matches a prefix, bounded',
      { type: 'who', names: ['alice', 'Al_x'], count: 250, prefix: 'al' },
      '[*] 250 online matching "al": alice, Al_x, ... (first 2 of 250)',
    ],
    ['nobody matching a prefix', { type: 'who', names: [], count: 0, prefix: 'zz' }, '[*] 0 online matching "zz"'],
    [
      "an operator's info notice",
      { type: 'notice', notice: { code: 'text', level: 'info', text: 'note' } },
      '[*] note',
    ],
    [
      "an operator's error notice",
      { type: 'notice', notice: { code: 'text', level: 'error', text: 'oops' } },
      '[!] oops',
    ],
    [
      'a line too long',
      { type: 'notice', notice: { code: 'line-too-long', maxBytes: 4096 } },
      '[!] line too long (max 4096 bytes)',
    ],
    [
      'an invalid name',
      { type: 'notice', notice: { code: 'invalid-name', name: 'b@d' } },
      '[!] invalid name: b@d (use 1-32 of A-Z a-z 0-9 . _ -)',
    ],
    ['the same name', { type: 'notice', notice: { code: 'same-name', name: 'alice' } }, '[!] you are already alice'],
    ['a taken name', { type: 'notice', notice: { code: 'name-taken', name: 'bob' } }, '[!] name taken: bob'],
    ['an unknown user', { type: 'notice', notice: { code: 'no-such-user', name: 'zed' } }, '[!] no such user: zed'],
    ['a usage error', { type: 'notice', notice: { code: 'usage', usage: '/me ACTION' } }, '[!] usage: /me ACTION'],
    [
      'an unknown command',
      { type: 'notice', notice: { code: 'unknown-command', command: 'xyz' } },
      '[!] unknown command: /xyz (try /help)',
    ],
    [
      'a dropped line',
      { type: 'notice', notice: { code: 'rate-limited' } },
      '[!] rate limit exceeded, message dropped',
    ],
    ['a full server', { type: 'notice', notice: { code: 'server-full' } }, '[!] server full'],
    ['an idle timeout', { type: 'notice', notice: { code: 'idle-timeout' } }, '[!] idle timeout'],
    [
      'the help',
      {
        type: 'help',
        commands: [
          { usage: '/who', description: 'list who is online' },
          { usage: '/help', description: 'show this help' },
        ],
      },
      '[*] commands (start a message with // to send a line that begins with /):\n[*] /who - list who is online\n[*] /help - show this help',
    ],
    ['the shutdown', { type: 'shutdown' }, '[*] server shutting down'],
  ])('writes %s as %j', (_what, message, text) => {
    expect(formatText(message)).toBe(text);
  });

  it('encodes a line as UTF-8 with exactly one LF at the end', () => {
    const bytes = encodeLine({ type: 'said', name: 'zoe', text: 'café 🙂' });
    expect(bytes).toEqual(Buffer.from('zoe: café 🙂\n', 'utf8'));
    expect(bytes.indexOf(0x0a)).toBe(bytes.length - 1);
  });
});

describe('floods and storms, as text and as JSON', () => {
  it.each<[string, ChatMessage, string, object]>([
    [
      'an excess flood',
      { type: 'notice', notice: { code: 'excess-flood' } },
      '[!] excess flood',
      { type: 'notice', code: 'excess-flood', level: 'error', text: 'excess flood' },
    ],
    [
      'a join storm, its names cut',
      { type: 'joined-many', names: ['a', 'b', 'c'], count: 240 },
      '[+] 240 joined: a, b, c, ... and 237 more',
      { type: 'joined-many', names: ['a', 'b', 'c'], count: 240 },
    ],
    [
      'a leave storm, every name listed',
      { type: 'left-many', names: ['a', 'b'], count: 2 },
      '[-] 2 left: a, b',
      { type: 'left-many', names: ['a', 'b'], count: 2 },
    ],
  ])('writes %s as %j', (_what, message, text, json) => {
    expect(formatText(message)).toBe(text);
    expect(JSON.parse(formatJson(message))).toEqual(json);
  });
});
