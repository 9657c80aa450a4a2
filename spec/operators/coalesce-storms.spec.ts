import { type Observable, asyncScheduler, map, takeUntil, timer, toArray } from 'rxjs';
import type { ChatEvent, ChatOutput } from '../../src/core/events';
import { coalesceStorms } from '../../src/operators';
import { type ChatMarbles, chatMarbles, connect, hangUp } from '../../src/testing';
import { run, timeline } from '../support/marbles';

/** Client names c001, c002, ...: they sort and read in join order. */
const nameOf = (i: number) => `c${String(i).padStart(3, '0')}`;
const names = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => nameOf(from + i));
const joinedLine = (name: string) => `${name} joined the chat`;
const welcomeLine = (name: string) => `[*] Welcome, ${name}! Type /help for commands.`;

/** What a client receives, as "frame line" strings, until `ms` (or until the server closes it). */
function transcript(chat: ChatMarbles, id: string, ms: number): Observable<string[]> {
  return chat.linesOf(id).pipe(
    map((line) => `${asyncScheduler.now()} ${line}`),
    takeUntil(timer(ms)),
    toArray(),
  );
}

/** A chat of `count` clients (ids and names c001...), each connecting at `joinAt(i)` and maybe hanging up. */
function room(
  helpers: Parameters<Parameters<typeof run>[0]>[0],
  count: number,
  joinAt: (i: number) => number,
  leaveAt: (i: number) => number | undefined = () => undefined,
  server?: { marbles: string; events: Record<string, ChatEvent> },
): ChatMarbles {
  const chat = chatMarbles(helpers, { names: names(1, count), outputOperators: [coalesceStorms()] });
  for (let i = 1; i <= count; i++) {
    const leave = leaveAt(i);
    chat.client(nameOf(i), timeline({ [joinAt(i)]: 'c', ...(leave === undefined ? {} : { [leave]: 'h' }) }), {
      c: connect,
      h: hangUp,
    });
  }
  if (server) chat.server(server.marbles, server.events);
  return chat;
}

describe('coalesceStorms (virtual time)', () => {
  it('leaves a normal pace alone: 50 joins at once are 50 join lines, as without it', () => {
    run((helpers) => {
      const chat = room(helpers, 50, () => 0);
      helpers.expectObservable(transcript(chat, 'c001', 5_000)).toBe(timeline({ 5_000: '(a|)' }), {
        a: [`0 ${welcomeLine('c001')}`, ...names(1, 50).map((name) => `0 ${joinedLine(name)}`)],
      });
    });
  });

  it('past 50 a second, gives each newcomer its own join at once and the others one summary a second later', () => {
    run((helpers) => {
      // c002 leaves before the summary: it is not sent to it.
      const chat = room(
        helpers,
        60,
        () => 0,
        (i) => (i === 2 ? 500 : undefined),
      );
      const summary = '[+] 10 joined: c051, c052, c053, c054, c055, c056, c057, c058, c059, c060';
      helpers.expectObservable(transcript(chat, 'c001', 5_000)).toBe(timeline({ 5_000: '(a|)' }), {
        a: [
          `0 ${welcomeLine('c001')}`,
          ...names(1, 50).map((name) => `0 ${joinedLine(name)}`),
          '500 [-] c002 left the chat.',
          `1000 ${summary}`,
        ],
      });
      helpers.expectObservable(transcript(chat, 'c060', 5_000)).toBe(timeline({ 5_000: '(a|)' }), {
        a: [`0 ${welcomeLine('c060')}`, `0 ${joinedLine('c060')}`, '500 [-] c002 left the chat.', `1000 ${summary}`],
      });
      helpers.expectObservable(transcript(chat, 'c002', 5_000)).toBe(timeline({ 5_000: '(a|)' }), {
        a: [`0 ${welcomeLine('c002')}`, ...names(2, 50).map((name) => `0 ${joinedLine(name)}`)],
      });
    });
  });

  it('lists 10 names and counts the rest, sums up each interval while the storm lasts, then announces one by one again', () => {
    run((helpers) => {
      // 150 joins, one a millisecond; then the room is calm; then one more at 5 s.
      const chat = room(helpers, 151, (i) => (i <= 150 ? i - 1 : 5_000));
      helpers.expectObservable(transcript(chat, 'c001', 10_000)).toBe(timeline({ 10_000: '(a|)' }), {
        a: [
          `0 ${welcomeLine('c001')}`,
          // A burst of 50, and the bucket refills 50 a second: 2.5 more by the 52nd ms.
          ...names(1, 52).map((name, i) => `${i} ${joinedLine(name)}`),
          // The storm began with the 53rd join (at 52 ms): its first summary a second later.
          `1052 [+] 98 joined: ${names(53, 62).join(', ')}, ... and 88 more`,
          `5000 ${joinedLine('c151')}`,
        ],
      });
    });
  });

  it('coalesces leaves apart from joins: 55 leaving at once are 50 leave lines and "[-] 5 left: ..."', () => {
    run((helpers) => {
      // 56 clients join at 40 a second; all but c001 leave at 5 s.
      const chat = room(
        helpers,
        56,
        (i) => (i - 1) * 25,
        (i) => (i === 1 ? undefined : 5_000),
      );
      helpers.expectObservable(transcript(chat, 'c001', 10_000)).toBe(timeline({ 10_000: '(a|)' }), {
        a: [
          `0 ${welcomeLine('c001')}`,
          ...names(1, 56).map((name, i) => `${i * 25} ${joinedLine(name)}`),
          ...names(2, 51).map((name) => `5000 [-] ${name} left the chat.`),
          `6000 [-] 5 left: ${names(52, 56).join(', ')}`,
        ],
      });
    });
  });

  it('announces nothing after a shutdown: a pending summary is dropped', () => {
    run(({ hot, expectObservable }) => {
      const join = (name: string, to: string[]): ChatOutput => ({
        kind: 'deliver',
        to,
        message: { type: 'joined', name },
        at: 0,
      });
      const events: Record<string, ChatOutput> = {
        a: join('a', ['1']),
        b: join('b', ['1', '2']),
        s: { kind: 'deliver', to: ['1', '2'], message: { type: 'shutdown' }, at: 50 },
      };
      const source = hot(timeline({ 0: 'a', 10: 'b', 50: 's' }), events);
      expectObservable(source.pipe(coalesceStorms({ perSecond: 1, intervalMs: 100 }))).toBe(
        timeline({ 0: 'a', 10: 'B', 50: 's' }),
        {
          ...events,
          B: { ...events['b']!, to: ['2'] },
        },
      );
    });
  });

  it('sends the summary as data (joined-many, left-many) to everyone online at the latest join or leave', () => {
    run(({ hot, expectObservable }) => {
      const join = (name: string, to: string[]): ChatOutput => ({
        kind: 'deliver',
        to,
        message: { type: 'joined', name },
        at: 0,
      });
      const events = { a: join('a', ['1']), b: join('b', ['1', '2']), c: join('c', ['1', '2', '3']) };
      const source = hot(timeline({ 0: 'a', 10: 'b', 20: 'c' }), events);
      expectObservable(source.pipe(coalesceStorms({ perSecond: 1, intervalMs: 100, listNames: 1 }))).toBe(
        timeline({ 0: 'a', 10: 'B', 20: 'C', 110: 'S' }),
        {
          a: events.a,
          B: { ...events.b, to: ['2'] },
          C: { ...events.c, to: ['3'] },
          S: {
            kind: 'deliver',
            to: ['1', '2', '3'],
            message: { type: 'joined-many', names: ['b'], count: 2 },
            at: 110,
          },
        },
      );
    });
  });
});
