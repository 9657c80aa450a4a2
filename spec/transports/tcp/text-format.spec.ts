import type { ChatMessage } from '../../../src/core/events';
import { encodeLine, formatText } from '../../../src/transports/tcp/text-format';

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
    ['who is online', { type: 'who', names: ['alice', 'bob'] }, '[*] 2 online: alice, bob'],
    ['an info notice', { type: 'notice', level: 'info', text: 'note' }, '[*] note'],
    ['an error notice', { type: 'notice', level: 'error', text: 'oops' }, '[!] oops'],
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
