import { map } from 'rxjs';
import type { ChatOperator } from '../pipeline/operator';
import type { ChatEvent, ClientId, Command, LineEvent, Notice } from '../core/events';
import type { PipelineEvent } from '../pipeline/edge-signals';

type Parsed = Command | { readonly notice: Notice } | { readonly say: string };

const usage = (text: string): Parsed => ({ notice: { code: 'usage', usage: text } });

/**
 * Parses the text of a line that starts with `/` into a command, a usage error, or (for `//`)
 * a message that keeps one leading slash. Command words are case-insensitive.
 */
export function parseCommand(text: string): Parsed {
  if (text.startsWith('//')) return { say: text.slice(1) };
  const match = /^\/(\S*)\s*(.*)$/s.exec(text);
  const word = match?.[1] ?? '';
  const rest = (match?.[2] ?? '').trim();
  switch (word.toLowerCase()) {
    case 'nick': {
      const newName = rest.split(/\s+/)[0] ?? '';
      return newName === '' || /\s/.test(rest) ? usage('/nick NEW') : { name: 'nick', newName };
    }
    case 'who':
      if (rest === '') return { name: 'who' };
      if (/\s/.test(rest)) return usage('/who [PREFIX]');
      return rest.startsWith('#') ? { name: 'who', room: rest } : { name: 'who', prefix: rest };
    case 'join':
      return rest === '' || /\s/.test(rest) ? usage('/join #ROOM') : { name: 'join', room: rest };
    case 'part': {
      // The first word names the room when it starts with #; the rest (or everything) is the reason.
      const [, first = '', after = ''] = /^(\S*)\s*(.*)$/s.exec(rest) ?? [];
      const room = first.startsWith('#') ? first : undefined;
      const reason = (room === undefined ? rest : after).trim();
      return {
        name: 'part',
        ...(room === undefined ? {} : { room }),
        ...(reason === '' ? {} : { reason }),
      };
    }
    case 'rooms':
      if (rest === '') return { name: 'rooms' };
      return /\s/.test(rest) ? usage('/rooms [PREFIX]') : { name: 'rooms', prefix: rest };
    case 'me':
      return rest === '' ? usage('/me ACTION') : { name: 'me', action: rest };
    case 'msg': {
      const [, to = '', body = ''] = /^(\S*)\s*(.*)$/s.exec(rest) ?? [];
      return to === '' || body.trim() === '' ? usage('/msg NAME TEXT') : { name: 'msg', to, text: body.trim() };
    }
    case 'quit':
      return rest === '' ? { name: 'quit' } : { name: 'quit', reason: rest };
    case 'help':
      return { name: 'help' };
    case 'history':
      return parseHistory(rest);
    case 'session':
      if (rest === '') return { name: 'session' };
      return rest === 'ids' ? { name: 'session', ids: true } : usage('/session [ids]');
    case 'resume':
      return parseResume(rest);
    default:
      return { notice: { code: 'unknown-command', command: word } };
  }
}

/** `/history [#ROOM] [N] [before=ID]`: each part optional, in that order. */
function parseHistory(rest: string): Parsed {
  const words = rest === '' ? [] : rest.split(/\s+/);
  const room = words[0]?.startsWith('#') ? words.shift() : undefined;
  const count = words[0] !== undefined && /^\d/.test(words[0]) ? words.shift() : undefined;
  const before = /^before=([1-9][0-9]{0,14})$/.exec(words[0] ?? '');
  if (before !== null) words.shift();
  if (words.length > 0 || (count !== undefined && !/^[1-9][0-9]{0,5}$/.test(count))) {
    return usage('/history [#ROOM] [N] [before=ID]');
  }
  return {
    name: 'history',
    ...(room === undefined ? {} : { room }),
    ...(count === undefined ? {} : { count: Number(count) }),
    ...(before === null ? {} : { before: Number(before[1]) }),
  };
}

/**
 * `/resume TOKEN [all] [#ROOM=ID ...]`: the ids are the last message the client got in each room;
 * `all` says the client hid what it was sent before (its scrollback): replay all it missed.
 */
function parseResume(rest: string): Parsed {
  const [token, ...words] = rest === '' ? [] : rest.split(/\s+/);
  // Flags first, in any order: `all` and `ids`.
  const flags = new Set<string>();
  while (words[0] === 'all' || words[0] === 'ids') flags.add(words.shift()!);
  const all = flags.has('all');
  const pairs = words;
  if (token === undefined || !/^[A-Za-z0-9_-]{1,64}$/.test(token) || pairs.length > 64) {
    return usage('/resume TOKEN [all] [ids] [#ROOM=ID ...]');
  }
  const seen: Record<string, number> = {};
  for (const pair of pairs) {
    const match = /^(#[^=\s]{1,32})=([0-9]{1,15})$/.exec(pair);
    if (match === null) return usage('/resume TOKEN [all] [ids] [#ROOM=ID ...]');
    seen[match[1]!] = Number(match[2]);
  }
  return {
    name: 'resume',
    token,
    ...(pairs.length === 0 ? {} : { seen }),
    ...(all ? { all: true } : {}),
    ...(flags.has('ids') ? { ids: true } : {}),
  };
}

function toEvent(id: ClientId, parsed: Parsed): ChatEvent {
  if ('say' in parsed) return { type: 'line', id, text: parsed.say };
  if ('notice' in parsed) return { type: 'notice', id, notice: parsed.notice };
  return { type: 'command', id, command: parsed };
}

function isCommandLine(event: PipelineEvent): event is LineEvent {
  return event.type === 'line' && event.text.trimStart().startsWith('/');
}

/**
 * Turns `/command` lines into command events (or error notices for the sender). Operators placed
 * before it see raw lines and can add commands of their own; the core acts on what comes out.
 *
 * ```text
 * --a--------b------c---------d-----|   a: line "/nick bob"  b: line "hello"  c: line "/nope"  d: line "//me"
 *   [               commands()               ]
 * --A--------b------C---------D-----|   A: command nick bob  C: notice unknown-command  D: line "/me"
 * ```
 *
 * @example
 * ```ts
 * import { commands } from 'rxchat';
 *
 * const parsed$ = events$.pipe(commands());
 * // { type: 'line', id: '1', text: '/nick bob' }
 * //   → { type: 'command', id: '1', command: { name: 'nick', newName: 'bob' } }
 * ```
 *
 * @see spec/operators/commands.spec.ts
 */
export function commands(): ChatOperator {
  return map((event) => (isCommandLine(event) ? toEvent(event.id, parseCommand(event.text.trim())) : event));
}
