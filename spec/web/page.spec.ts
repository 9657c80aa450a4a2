/// <reference lib="dom" />
/**
 * The chat page (web/) in a real headless Chromium, against a stand-in server that serves it with
 * the real Content-Security-Policy and scripts the WebSocket frames (rxchat.v1).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { nameColour } from '../../src/client/line-style';
import { describeWithBrowser } from '../support/browser';
import {
  NOTHING_WRONG,
  PAGE_WAIT_MS,
  type PageWatch,
  cspViolations,
  expectLastLog,
  expectPeople,
  lastLog,
  logTexts,
  typeAndSend,
  waitForState,
  waitUntilAsync,
  watchPage,
} from './page-helpers';
import { type StandIn, type StandInClient, startStandIn } from './stand-in-server';
import { waitUntil } from '../support/waiting';

const HOSTILE = '<img src=x onerror=alert(1)>';
/** The terminal client's name colours, in the order of the page's name-0 … name-9 classes. */
const TERMINAL_NAME_COLOURS = ['32', '33', '34', '35', '36', '92', '93', '94', '95', '96'].map(
  (code) => `\x1b[${code}m`,
);
const PHONE = { width: 360, height: 740 };

jest.setTimeout(30_000);

interface Session {
  readonly standIn: StandIn;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly watch: PageWatch;
}

interface OpenOptions {
  readonly viewport?: { width: number; height: number };
  readonly colorScheme?: 'light' | 'dark';
  /** Fake timers in the page (playwright's clock), to run the backoff without waiting for it. */
  readonly fakeClock?: boolean;
  /** The address's fragment, such as `#rust`. */
  readonly hash?: string;
}

describeWithBrowser('the chat page', (browser: () => Browser) => {
  let sessions: Session[] = [];

  async function open(options: OpenOptions = {}): Promise<Session> {
    const standIn = await startStandIn();
    const context = await browser().newContext({
      viewport: options.viewport ?? { width: 1280, height: 800 },
      colorScheme: options.colorScheme ?? 'light',
    });
    context.setDefaultTimeout(PAGE_WAIT_MS);
    const page = await context.newPage();
    const session: Session = { standIn, context, page, watch: await watchPage(context, page) };
    sessions.push(session);
    if (options.fakeClock === true) await context.clock.install();
    await page.goto(`${standIn.url}${options.hash ?? ''}`);
    return session;
  }

  /** Opens the page and welcomes it as `name`, with `online` as the answer to its /who. */
  async function joinAs(name: string, online: readonly string[] = [name], options: OpenOptions = {}) {
    const session = await open(options);
    const client = await session.standIn.nextClient();
    await client.welcome(name, online);
    await expectPeople(
      session.page,
      online.map((other) => (other === name ? `${other} (you)` : other)),
    );
    return { ...session, client };
  }

  afterEach(async () => {
    const done = sessions;
    sessions = [];
    for (const session of done) {
      const record = await session.watch.record();
      await session.context.close();
      await session.standIn.close();
      // Checked after every test: the page broke no rule of its CSP and never threw or opened a dialog.
      expect(record).toEqual(NOTHING_WRONG);
    }
  });

  it('is served whole under the CSP, and the checks after each test work (an inline script is blocked and seen)', async () => {
    const { page, watch } = await open();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.getAttribute('meta[name=viewport]', 'content')).toContain('width=device-width');
    // The stylesheet applied (a rule from chat.css) and the script ran (it opened the WebSocket).
    expect(await page.evaluate(() => getComputedStyle(document.body).display)).toBe('flex');
    await waitForState(page, 'connected');
    expect(await cspViolations(page)).toEqual([]);
    expect(watch.cspConsole).toEqual([]);

    // The controls: an inline script is blocked and reported, and a dialog would be seen.
    const ran = await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.inlineRan = true';
      document.body.append(script);
      return (window as unknown as { inlineRan?: boolean }).inlineRan === true;
    });
    expect(ran).toBe(false);
    await page.waitForFunction(() => (window as unknown as { cspViolations: string[] }).cspViolations.length > 0);
    expect(await cspViolations(page)).toEqual(['script-src-elem blocked inline']);
    await page.evaluate(() => alert('control'));
    expect(watch.dialogs).toEqual(['alert: control']);
    // Expected here, so cleared before the after-each check.
    await page.evaluate(() => ((window as unknown as { cspViolations: string[] }).cspViolations.length = 0));
    watch.cspConsole.length = 0;
    watch.dialogs.length = 0;
  });

  it('shows your name, asks /who on welcome and fills the list from the answer without printing it', async () => {
    const { page, standIn } = await open();
    const client = await standIn.nextClient();
    client.send({ type: 'welcome', name: 'alice' }, { type: 'joined', name: 'alice' });
    expect(await client.nextLine()).toBe('/who');
    client.send({ type: 'who', names: ['bob', 'carol', 'alice'], count: 3 });

    await expectPeople(page, ['bob', 'carol', 'alice (you)']);
    expect(await page.textContent('#my-name')).toBe('alice');
    expect(await page.textContent('#people-count')).toBe('(3)');
    expect(await logTexts(page)).toEqual(['[*] connected', 'alice joined the chat']);

    // A /who the user types is printed, bounded lists included.
    await typeAndSend(page, '/who al');
    expect(await client.nextLine()).toBe('/who al');
    client.send({ type: 'who', names: ['alice'], count: 1, prefix: 'al' });
    client.send({ type: 'who', names: ['bob', 'carol'], count: 5 });
    await expectLastLog(page, '[*] 5 online: bob, carol, and 3 more');
    expect((await logTexts(page)).slice(-3, -1)).toEqual(['/who al', '[*] 1 online starting with al: alice']);
    await expectPeople(page, ['bob', 'carol', 'alice (you)']);
  });

  it('says how many more are online when the first /who answer is bounded', async () => {
    const { page, client } = await joinAs('alice', ['alice', 'bob'], {});
    client.send({ type: 'joined', name: 'dave' });
    await expectPeople(page, ['alice (you)', 'bob', 'dave']);

    client.send({ type: 'welcome', name: 'alice2' }, { type: 'joined', name: 'alice2' });
    expect(await client.nextLine()).toBe('/who');
    client.send({ type: 'who', names: ['x1', 'x2'], count: 12 });
    await expectPeople(page, ['x1', 'x2', 'and 10 more']);
    expect(await page.textContent('#people-count')).toBe('(12)');
    client.send({ type: 'left', name: 'somebody-unlisted' });
    await expectPeople(page, ['x1', 'x2', 'and 9 more']);
  });

  it('keeps the list live from joins, leaves and renames, your own rename included', async () => {
    const { page, client } = await joinAs('alice', ['bob', 'alice']);
    client.send({ type: 'joined', name: 'carol' });
    await expectPeople(page, ['bob', 'alice (you)', 'carol']);
    client.send({ type: 'renamed', from: 'bob', to: 'bobby' });
    await expectPeople(page, ['bobby', 'alice (you)', 'carol']);
    client.send({ type: 'left', name: 'carol', reason: 'lunch' });
    await expectPeople(page, ['bobby', 'alice (you)']);
    client.send({ type: 'renamed', from: 'alice', to: 'Alicia' });
    await expectPeople(page, ['bobby', 'Alicia (you)']);
    expect(await page.textContent('#my-name')).toBe('Alicia');
    // Names are one person whatever their case.
    client.send({ type: 'left', name: 'BOBBY' });
    await expectPeople(page, ['Alicia (you)']);

    expect((await logTexts(page)).slice(2)).toEqual([
      'carol joined the chat',
      'bob is now known as bobby',
      '[-] carol left the chat. (lunch)',
      'alice is now known as Alicia',
      '[-] BOBBY left the chat.',
    ]);
  });

  it('shows join and leave storm summaries and refreshes the list with a quiet /who when they list only some', async () => {
    const { page, client } = await joinAs('alice', ['alice']);
    client.send({ type: 'joined-many', names: ['b1', 'b2'], count: 2 });
    await expectPeople(page, ['alice (you)', 'b1', 'b2']);
    await expectLastLog(page, '[+] 2 joined: b1, b2');
    client.send({ type: 'joined-many', names: ['c1', 'c2'], count: 60 });
    await expectLastLog(page, '[+] 60 joined: c1, c2, ... and 58 more');
    expect(await client.nextLine()).toBe('/who');
    client.send({ type: 'who', names: ['alice', 'b1', 'b2', 'c1'], count: 62 });
    await expectPeople(page, ['alice (you)', 'b1', 'b2', 'c1', 'and 58 more']);
    client.send({ type: 'left-many', names: ['b1'], count: 1 });
    await expectLastLog(page, '[-] 1 left: b1');
    await expectPeople(page, ['alice (you)', 'b2', 'c1', 'and 58 more']);
    // The quiet /who was not printed.
    expect((await logTexts(page)).some((text) => text.includes('online'))).toBe(false);
  });

  it('renders each kind of message with its own class, and ignores what it does not know', async () => {
    const { page, client } = await joinAs('alice', ['alice', 'bob']);
    client.send(
      { type: 'said', name: 'bob', text: 'hi there' },
      { type: 'action', name: 'bob', text: 'waves' },
      { type: 'private', from: 'bob', text: 'psst' },
      { type: 'notice', code: 'name-taken', name: 'bob', level: 'error', text: 'name taken: bob' },
      { type: 'notice', code: 'text', level: 'info', text: 'you rolled 7' },
      { type: 'future-thing', name: 'bob' },
      'not json',
      '[1, 2]',
      'null',
      { type: 'said', name: 42, text: 'malformed' },
      { type: 'help', commands: [{ usage: '/nick NEW', description: 'change your name' }] },
      { type: 'left', name: 'bob' },
      { type: 'shutdown' },
    );
    await expectLastLog(page, '[*] server shutting down');
    const entries = await page.$$eval('#log .entry', (elements) => elements.map((e) => [e.className, e.textContent]));
    expect(entries.slice(2)).toEqual([
      ['entry said', 'bob: hi there'],
      ['entry action', '* bob waves'],
      ['entry private', '[pm] bob: psst'],
      ['entry notice error', '[!] name taken: bob'],
      ['entry notice info', '[*] you rolled 7'],
      [
        'entry notice info help',
        '[*] commands (start a message with // to send a line that begins with /):/nick NEWchange your name',
      ],
      ['entry left', '[-] bob left the chat.'],
      ['entry notice info', '[*] server shutting down'],
    ]);
    expect(await page.$$eval('#log .help-list dt', (dts) => dts.map((dt) => dt.textContent))).toEqual(['/nick NEW']);
  });

  it(`shows ${HOSTILE} literally wherever user text appears, and nothing runs`, async () => {
    const { page, client } = await joinAs('alice');
    client.send(
      { type: 'joined', name: HOSTILE },
      { type: 'said', name: 'bob', text: HOSTILE },
      { type: 'action', name: 'bob', text: HOSTILE },
      { type: 'private', from: HOSTILE, text: HOSTILE },
      { type: 'notice', code: 'text', level: 'error', text: HOSTILE },
      { type: 'left', name: 'bob', reason: HOSTILE },
      { type: 'who', names: [HOSTILE], count: 1 },
      { type: 'help', commands: [{ usage: HOSTILE, description: HOSTILE }] },
    );
    // The page shows its own lines at once: wait for the server's frames first, to know the order.
    await expectLastLog(
      page,
      `[*] commands (start a message with // to send a line that begins with /):${HOSTILE}${HOSTILE}`,
    );
    await typeAndSend(page, HOSTILE);
    expect(await client.nextLine()).toBe(HOSTILE);
    await expectLastLog(page, `alice: ${HOSTILE}`);

    expect((await logTexts(page)).slice(2)).toEqual([
      `${HOSTILE} joined the chat`,
      `bob: ${HOSTILE}`,
      `* bob ${HOSTILE}`,
      `[pm] ${HOSTILE}: ${HOSTILE}`,
      `[!] ${HOSTILE}`,
      `[-] bob left the chat. (${HOSTILE})`,
      `[*] 1 online: ${HOSTILE}`,
      `[*] commands (start a message with // to send a line that begins with /):${HOSTILE}${HOSTILE}`,
      `alice: ${HOSTILE}`,
    ]);
    await expectPeople(page, ['alice (you)', HOSTILE]);
    // No element was made from the text: nothing could load, so nothing could fire.
    expect(await page.locator('img').count()).toBe(0);
    // The after-each check also finds no dialog and no CSP violation (an injected onerror would be one).
  });

  it('sends the line on Enter exactly as typed, shows it as yours, clears the input and keeps focus', async () => {
    const { page, client } = await joinAs('alice', ['alice', 'bob']);
    await typeAndSend(page, 'hello there');
    expect(await client.nextLine()).toBe('hello there');
    await expectLastLog(page, 'alice: hello there');
    expect(await page.getAttribute('#log .entry:last-child', 'class')).toBe('entry said mine');
    expect(await page.inputValue('#input')).toBe('');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('input');

    // Empty and blank input sends nothing: the next line the server gets is the next real one.
    await page.press('#input', 'Enter');
    await typeAndSend(page, '   ');
    await typeAndSend(page, '/me waves');
    await typeAndSend(page, '/msg bob see you at 5');
    await typeAndSend(page, '//slashes are fine');
    await typeAndSend(page, '/nick alicia');
    expect([
      await client.nextLine(),
      await client.nextLine(),
      await client.nextLine(),
      await client.nextLine(),
    ]).toEqual(['/me waves', '/msg bob see you at 5', '//slashes are fine', '/nick alicia']);
    await expectLastLog(page, '/nick alicia');
    const entries = await page.$$eval('#log .entry', (elements) => elements.map((e) => [e.className, e.textContent]));
    expect(entries.slice(-4)).toEqual([
      ['entry action mine', '* alice waves'],
      ['entry private mine', '[pm to bob] alice: see you at 5'],
      ['entry said mine', 'alice: /slashes are fine'],
      ['entry command mine', '/nick alicia'],
    ]);

    // The Send button works too, and gives the focus back to the input.
    await page.fill('#input', 'by button');
    await page.click('#send button[type=submit]');
    expect(await client.nextLine()).toBe('by button');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('input');
  });

  it('keeps what you typed when it cannot send, and says so', async () => {
    const { page, client, standIn } = await joinAs('alice');
    standIn.refuse(true);
    client.terminate();
    await waitForState(page, 'waiting');
    await typeAndSend(page, 'are you there?');
    await expectLastLog(page, '[!] not connected: your message was not sent');
    expect(await page.inputValue('#input')).toBe('are you there?');
  });

  it('reconnects with backoff when the connection drops, says so, and starts the list afresh', async () => {
    const { page, client, standIn } = await joinAs('alice', ['alice', 'bob']);
    client.terminate();
    await expectLastLog(page, /^\[!\] disconnected, reconnecting in 0\.[45] s$/);
    expect(await page.getAttribute('body', 'data-state')).toBe('waiting');
    expect(await page.isVisible('#reconnect')).toBe(true);
    await expectPeople(page, []);

    const second = await standIn.nextClient();
    await waitForState(page, 'connected');
    await second.welcome('bob2', ['carol', 'bob2']);
    await expectPeople(page, ['carol', 'bob2 (you)']);
    expect(await page.textContent('#my-name')).toBe('bob2');
    expect((await logTexts(page)).slice(-2)).toEqual(['[*] connected', 'bob2 joined the chat']);

    // A server that refuses: each failed try says so and waits longer; then it connects again.
    standIn.refuse(true);
    second.close(1008, 'server full');
    await expectLastLog(page, /^\[!\] disconnected \(server full\), reconnecting in 0\.[45] s$/);
    await expectLastLog(page, /^\[!\] could not connect, retrying in (0\.[89]|1) s$/);
    standIn.refuse(false);
    await standIn.nextClient();
    await waitForState(page, 'connected');
  });

  it('keeps a session and resumes it first thing after a drop, naming the last message seen per room', async () => {
    const { page, client, standIn } = await joinAs('alice', ['alice', 'bob']);
    await waitUntil(() => client.received.includes('/session'), PAGE_WAIT_MS, 'the page to ask /session');
    client.send({ type: 'session', token: 'T0K3N', windowSeconds: 120 });
    client.send({ type: 'said', name: 'bob', text: 'one', room: '#lobby', id: 7, at: 1_000 });
    await expectLastLog(page, 'bob: one');
    // Not printed: the page asked for it.
    expect((await logTexts(page)).some((text) => text.includes('T0K3N'))).toBe(false);

    client.terminate();
    const second = await standIn.nextClient();
    expect(await second.nextLine('the resume')).toBe('/resume T0K3N #lobby=7');
    // The new connection's welcome and scrollback come first; the scrollback repeats what was shown.
    second.send(
      { type: 'welcome', name: 'eve' },
      {
        type: 'history',
        room: '#lobby',
        reason: 'scrollback',
        entries: [
          { id: 7, at: 1_000, type: 'said', name: 'bob', text: 'one' },
          { id: 9, at: 3_000, type: 'said', name: 'bob', text: 'three' },
        ],
      },
      { type: 'joined', name: 'eve', room: '#lobby' },
      { type: 'renamed', from: 'eve', to: 'alice' },
      { type: 'resumed', name: 'alice', rooms: ['#lobby'] },
      {
        type: 'history',
        room: '#lobby',
        reason: 'replay',
        entries: [{ id: 8, at: 2_000, type: 'action', name: 'bob', text: 'waves' }],
      },
    );
    await waitUntilAsync(
      async () => (await logTexts(page)).some((text) => text.endsWith('* bob waves')),
      'the replay',
      async () => JSON.stringify(await logTexts(page)),
    );
    const texts = await logTexts(page);
    expect(texts.filter((text) => /bob: one|bob waves|bob: three/.test(text))).toEqual([
      'bob: one',
      expect.stringMatching(/^\[history .*\] \* bob waves$/),
      expect.stringMatching(/^\[history .*\] bob: three$/),
    ]);
    expect(texts).toContainEqual('[*] resumed as alice in #lobby');
    expect(await page.textContent('#my-name')).toBe('alice');
    // No /who after this welcome (the resume answers first); the list is refreshed once resumed.
    expect(await second.nextLine()).toBe('/join #lobby');
    expect(await second.nextLine()).toBe('/who');
  });

  it('carries on as a new connection when the resume is refused, with a new session', async () => {
    const { page, client, standIn } = await joinAs('alice', ['alice']);
    await waitUntil(() => client.received.includes('/session'), PAGE_WAIT_MS, 'the page to ask /session');
    client.send({ type: 'session', token: 'OLD', windowSeconds: 120 });
    await waitUntilAsync(
      async () => (await page.evaluate(() => sessionStorage.getItem('rxchat.session'))) === 'OLD',
      'the token to be kept',
      async () => JSON.stringify(await logTexts(page)),
    );
    client.terminate();
    const second = await standIn.nextClient();
    expect(await second.nextLine('the resume')).toBe('/resume OLD');
    second.send({ type: 'welcome', name: 'eve' }, { type: 'joined', name: 'eve' });
    second.send({
      type: 'notice',
      code: 'cannot-resume',
      reason: 'unknown',
      level: 'error',
      text: 'cannot resume: no such session (unknown, expired or ended)',
    });
    expect(await second.nextLine()).toBe('/who');
    await waitUntil(() => second.received.includes('/session'), PAGE_WAIT_MS, 'a new /session');
    await expectLastLog(page, '[!] cannot resume: no such session (unknown, expired or ended)');
    expect(await page.textContent('#my-name')).toBe('eve');
  });

  it('after /quit it does not reconnect, and offers a Reconnect button that does', async () => {
    const { page, client, standIn } = await joinAs('alice', ['alice'], { fakeClock: true });
    await typeAndSend(page, '/quit see you');
    expect(await client.nextLine()).toBe('/quit see you');
    client.close(1000);
    await expectLastLog(page, '[*] you left the chat. Press Reconnect to join again.');
    await expectStoppedThenReconnect(page, standIn);
  });

  it('after an idle timeout it does not rejoin by itself (an idle tab would hold a place forever)', async () => {
    const { page, client, standIn } = await joinAs('alice', ['alice'], { fakeClock: true });
    client.send({ type: 'notice', code: 'idle-timeout', level: 'error', text: 'idle timeout' });
    client.close(1000);
    await expectLastLog(page, '[*] disconnected for being idle. Press Reconnect to join again.');
    expect((await logTexts(page)).at(-2)).toBe('[!] idle timeout');
    await expectStoppedThenReconnect(page, standIn);
  });

  it('after the server shuts down it retries a few times, then stops and offers Reconnect', async () => {
    const { page, client, standIn } = await joinAs('alice', ['alice'], { fakeClock: true });
    standIn.refuse(true);
    client.send({ type: 'shutdown' });
    await expectLastLog(page, '[*] server shutting down');
    client.close(1001);
    await expectLastLog(page, /^\[!\] disconnected \(server going away\), reconnecting in/);

    // Run the page's timers through the backoff: each try fails, until it gives up.
    const gaveUp = '[!] the server did not come back. Press Reconnect to try again.';
    for (let tries = 0; tries < 10 && (await lastLog(page)) !== gaveUp; tries++) {
      const before = await page.locator('#log .entry').count();
      await page.clock.runFor(31_000);
      await page.waitForFunction((n) => document.querySelectorAll('#log .entry').length > n, before);
    }
    const retries = (await logTexts(page)).filter((line) => line.startsWith('[!] could not connect'));
    expect(retries).toHaveLength(4);
    expect(await lastLog(page)).toBe(gaveUp);
    expect(await page.getAttribute('body', 'data-state')).toBe('stopped');

    standIn.refuse(false);
    await page.click('#reconnect');
    await standIn.nextClient();
    await waitForState(page, 'connected');
  });

  it('colours each name as the terminal client does', async () => {
    const names = [
      'alice',
      'Bob',
      'carol',
      'dave',
      'erin',
      'frank',
      'grace',
      'heidi',
      'ivan',
      'judy',
      'Kenneth48',
      'x',
    ];
    const { page, client } = await joinAs('alice');
    for (const name of names) client.send({ type: 'said', name, text: 'hi' });
    await expectLastLog(page, 'x: hi');
    const classes = await page.$$eval('#log .said .name', (spans) => spans.map((span) => span.className));
    expect(classes).toEqual(names.map((name) => `name name-${TERMINAL_NAME_COLOURS.indexOf(nameColour(name))}`));
    expect(new Set(classes).size).toBeGreaterThan(4);
  });

  it.each(['light', 'dark'] as const)(
    'has text of at least 4.5:1 contrast on its background (%s)',
    async (colorScheme) => {
      const { page } = await open({ colorScheme });
      await waitForState(page, 'connected');
      const ratios = await page.evaluate(() => {
        const luminance = (colour: string): number => {
          const [r, g, b] = (colour.match(/[\d.]+/g) ?? []).map(Number).map((v) => {
            const c = v / 255;
            return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
          });
          return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
        };
        const contrast = (a: string, b: string) => {
          const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
          return (hi! + 0.05) / (lo! + 0.05);
        };
        const log = document.getElementById('log')!;
        const result: Record<string, number> = {};
        // Entries of every background, holding every kind of coloured text.
        for (const background of ['said', 'said mine', 'private']) {
          const entry = document.createElement('div');
          entry.className = `entry ${background}`;
          log.append(entry);
          const texts = [...Array(10).keys()].map((i) => `name name-${i}`).concat(['mark', 'dim']);
          for (const className of texts) {
            const span = document.createElement('span');
            span.className = className;
            span.textContent = 'x';
            entry.append(span);
            let bg = getComputedStyle(entry).backgroundColor;
            if (bg === 'rgba(0, 0, 0, 0)') bg = getComputedStyle(log).backgroundColor;
            result[`${background} .${className.replace(' ', '.')}`] = contrast(getComputedStyle(span).color, bg);
          }
        }
        for (const kind of ['notice info', 'notice error', 'left', 'command']) {
          const entry = document.createElement('div');
          entry.className = `entry ${kind}`;
          entry.textContent = 'x';
          log.append(entry);
          result[kind] = contrast(getComputedStyle(entry).color, getComputedStyle(log).backgroundColor);
        }
        const button = document.querySelector('.send-button')!;
        result['send button'] = contrast(getComputedStyle(button).color, getComputedStyle(button).backgroundColor);
        // The rooms: the buttons, the room in view, its unread badge, the link and Leave.
        for (const selector of ['.join-button', '.part', '.unread', '.room-button[aria-current="true"]']) {
          const element = document.querySelector(selector)!;
          result[selector] = contrast(getComputedStyle(element).color, getComputedStyle(element).backgroundColor);
        }
        const link = document.getElementById('room-link')!;
        result['room link'] = contrast(
          getComputedStyle(link).color,
          getComputedStyle(link.closest('.room-bar')!).backgroundColor,
        );
        const status = document.getElementById('status')!;
        result['status'] = contrast(
          getComputedStyle(status).color,
          getComputedStyle(status.closest('.top')!).backgroundColor,
        );
        return result;
      });
      const tooLow = Object.entries(ratios).filter(([, ratio]) => ratio < 4.5);
      expect(tooLow).toEqual([]);
      expect(Object.keys(ratios).length).toBeGreaterThan(35);
    },
  );

  it('fits 360 px without horizontal scrolling, with the list of people above the messages', async () => {
    const many = Array.from({ length: 40 }, (_, i) =>
      `someone-with-a-long-name-${String(i).padStart(3, '0')}`.slice(0, 32),
    );
    const { page, client } = await joinAs(
      'a-name-of-the-full-32-characters',
      ['a-name-of-the-full-32-characters', ...many],
      {
        viewport: PHONE,
      },
    );
    client.send(
      { type: 'said', name: many[0]!, text: 'x'.repeat(400) },
      { type: 'said', name: many[1]!, text: 'https://example.com/'.repeat(20) },
      {
        type: 'help',
        commands: [{ usage: '/msg NAME TEXT', description: 'send a private message to one person only' }],
      },
      { type: 'notice', code: 'text', level: 'error', text: 'y'.repeat(300) },
    );
    await expectLastLog(page, `[!] ${'y'.repeat(300)}`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(await page.evaluate(() => document.body.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    // Nor does any part of it scroll sideways (the log would, rather than the page, without wrapping).
    const sideways = await page.evaluate(() =>
      Array.from(document.querySelectorAll('*'))
        .filter((e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1)
        .map((e) => `${e.tagName}.${e.className} ${e.scrollWidth} > ${e.clientWidth}`),
    );
    expect(sideways).toEqual([]);
    const people = (await page.locator('aside.people').boundingBox())!;
    const log = (await page.locator('#log').boundingBox())!;
    const input = (await page.locator('#input').boundingBox())!;
    expect(people.y + people.height).toBeLessThanOrEqual(log.y + 1);
    expect(log.height).toBeGreaterThan(300);
    // The input stays on screen, below the log.
    expect(input.y).toBeGreaterThan(log.y);
    expect(input.y + input.height).toBeLessThanOrEqual(PHONE.height);
  });

  it('is usable with a keyboard and a screen reader', async () => {
    const { page } = await joinAs('alice');
    expect(await page.getByLabel('Message', { exact: true }).getAttribute('id')).toBe('input');
    const log = page.getByRole('log');
    expect(await log.getAttribute('aria-live')).toBe('polite');
    expect(await log.getAttribute('id')).toBe('log');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('input');

    // Tab moves on to the Send button, which shows where the focus is.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Send');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');
  });

  describe('rooms', () => {
    /** Joins #rust from the form, as the server answers: entered (to the joiner too), then the members. */
    async function joinRust(
      page: Page,
      client: StandInClient,
      members = ['dave', 'alice'],
      rooms = ['#lobby', '[#rust]'],
    ): Promise<void> {
      await page.fill('#room-input', 'rust');
      await page.press('#room-input', 'Enter');
      expect(await client.nextLine()).toBe('/join #rust');
      client.send(
        { type: 'entered', room: '#rust', name: 'alice' },
        { type: 'who', room: '#rust', names: members, count: members.length },
      );
      await expectRooms(page, rooms);
    }

    it('joins a room from the form and shows it, with its members; a user who never joins one sees the lobby', async () => {
      const { page, client } = await joinAs('alice', ['alice', 'bob']);
      await expectRooms(page, ['[#lobby]']);
      expect(await page.textContent('#room-title')).toBe('#lobby');
      await joinRust(page, client);
      expect(await page.textContent('#room-title')).toBe('#rust');
      // The member list is the room in view's, filled by the answer that follows the join (not printed).
      await expectPeople(page, ['dave', 'alice (you)']);
      expect(await logTexts(page)).toEqual(['alice joined #rust']);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('input');
      // Plain lines now go to #rust: the server's current room, so the page just sends them.
      await typeAndSend(page, 'hi rust');
      expect(await client.nextLine()).toBe('hi rust');
      await expectLastLog(page, 'alice: hi rust');
      // The address names the room in view.
      expect(await page.evaluate(() => location.hash)).toBe('#rust');
      // A bad name is refused at once, without costing a line.
      await page.fill('#room-input', 'no spaces');
      await page.press('#room-input', 'Enter');
      await expectLastLog(page, '[!] invalid room name: #no spaces (use # and 1-32 of A-Z a-z 0-9 . _ -)');
    });

    it('counts unread messages in rooms not in view, and switching sends /join first and shows the room', async () => {
      const { page, client } = await joinAs('alice', ['alice', 'bob']);
      await joinRust(page, client);
      client.send(
        { type: 'said', name: 'bob', text: 'lobby one', room: '#lobby' },
        { type: 'action', name: 'bob', text: 'waves in the lobby', room: '#lobby' },
        { type: 'joined', name: 'erin', room: '#lobby' },
        { type: 'said', name: 'dave', text: 'rust one', room: '#rust' },
      );
      await expectLastLog(page, 'dave: rust one');
      // Two messages (a join is not one), named for screen readers.
      await expectRooms(page, ['#lobby 2 unread', '[#rust]']);
      expect(await page.getByRole('button', { name: '#lobby 2 unread' }).isVisible()).toBe(true);
      expect(await logTexts(page)).toEqual(['alice joined #rust', 'dave: rust one']);

      await page.click('#rooms button:has-text("#lobby")');
      expect(await client.nextLine()).toBe('/join #lobby');
      await expectRooms(page, ['[#lobby]', '#rust']);
      expect(await page.textContent('#room-title')).toBe('#lobby');
      expect((await logTexts(page)).slice(-3)).toEqual([
        'bob: lobby one',
        '* bob waves in the lobby',
        'erin joined the chat',
      ]);
      await expectPeople(page, ['alice (you)', 'bob', 'erin']);
      expect(await page.evaluate(() => location.hash)).toBe('');
      // Private messages and notices show in the room in view.
      client.send(
        { type: 'private', from: 'dave', text: 'psst' },
        { type: 'said', name: 'dave', text: 'rust two', room: '#rust' },
      );
      await expectLastLog(page, '[pm] dave: psst');
      await expectRooms(page, ['[#lobby]', '#rust 1 unread']);

      // With the keyboard: Tab to the room's button, Enter switches.
      await page.focus('#rooms button:has-text("#rust")');
      await page.keyboard.press('Enter');
      expect(await client.nextLine()).toBe('/join #rust');
      await expectRooms(page, ['#lobby', '[#rust]']);
      expect(await logTexts(page)).toEqual(['alice joined #rust', 'dave: rust one', 'dave: rust two']);
      // Typing /join for a room the page is in switches too (the server says nothing then).
      await typeAndSend(page, '/join #LOBBY');
      expect(await client.nextLine()).toBe('/join #LOBBY');
      await expectRooms(page, ['[#lobby]', '#rust']);
    });

    it('keeps the members of each room live, and shows those of the room in view', async () => {
      const { page, client } = await joinAs('alice', ['alice', 'bob']);
      await joinRust(page, client);
      client.send(
        { type: 'entered', room: '#rust', name: 'bob' },
        { type: 'joined', name: 'erin', room: '#lobby' },
        { type: 'joined-many', names: ['f1', 'f2'], count: 2, room: '#rust' },
      );
      await expectPeople(page, ['dave', 'alice (you)', 'bob', 'f1', 'f2']);
      client.send(
        { type: 'parted', room: '#rust', name: 'f1', reason: 'bye' },
        { type: 'left-many', names: ['f2'], count: 1, room: '#rust' },
        { type: 'renamed', from: 'bob', to: 'bobby' },
      );
      await expectPeople(page, ['dave', 'alice (you)', 'bobby']);
      // Not room-scoped: a leave and a rename are told once, and change every room that lists them.
      client.send({ type: 'left', name: 'dave' });
      await expectPeople(page, ['alice (you)', 'bobby']);
      expect(await logTexts(page)).toEqual([
        'alice joined #rust',
        'bob joined #rust',
        '[+] 2 joined: f1, f2',
        '[-] f1 left #rust (bye)',
        '[-] 1 left: f2',
        'bob is now known as bobby',
        '[-] dave left the chat.',
      ]);
      expect(await page.textContent('#people-count')).toBe('(2)');
      // The lobby kept its own list meanwhile.
      await page.click('#rooms button:has-text("#lobby")');
      await expectPeople(page, ['alice (you)', 'bobby', 'erin']);
    });

    it('leaves the room in view with the Leave button and shows the room the server makes current', async () => {
      const { page, client } = await joinAs('alice', ['alice', 'bob']);
      await joinRust(page, client);
      expect(await page.getByRole('button', { name: 'Leave #rust' }).isVisible()).toBe(true);
      await page.getByRole('button', { name: 'Leave #rust' }).click();
      expect(await client.nextLine()).toBe('/part #rust');
      // The one who parts hears nothing back: the page moves at once to the room joined last.
      await expectRooms(page, ['[#lobby]']);
      await expectLastLog(page, '[*] you left #rust');
      await expectPeople(page, ['alice (you)', 'bob']);
      // A frame already on its way for the room left is dropped, not shown in a room of its own.
      client.send(
        { type: 'said', name: 'dave', text: 'too late', room: '#rust' },
        { type: 'said', name: 'bob', text: 'hi' },
      );
      await expectLastLog(page, 'bob: hi');
      await expectRooms(page, ['[#lobby]']);

      // Parting the last room: no room, and the form joins one again.
      await typeAndSend(page, '/part');
      expect(await client.nextLine()).toBe('/part');
      await expectRooms(page, []);
      expect(await page.textContent('#room-title')).toBe('No room: join one');
      expect(await page.isVisible('#part')).toBe(false);
      await joinRust(page, client, ['alice'], ['[#rust]']);
      await expectPeople(page, ['alice (you)']);
    });

    it('after a reconnect joins its rooms again and makes the room in view current', async () => {
      const { page, client, standIn } = await joinAs('alice', ['alice', 'bob']);
      await joinRust(page, client);
      await page.click('#rooms button:has-text("#lobby")');
      expect(await client.nextLine()).toBe('/join #lobby');
      client.terminate();
      await expectPeople(page, []);
      await expectRooms(page, ['[#lobby]', '#rust']);

      const second = await standIn.nextClient();
      await second.welcome('alice', ['alice']);
      // Back into #rust (its entered does not move the view), then the lobby is current again.
      expect([await second.nextLine(), await second.nextLine()]).toEqual(['/join #rust', '/join #lobby']);
      second.send(
        { type: 'entered', room: '#rust', name: 'alice' },
        { type: 'who', room: '#rust', names: ['dave', 'alice'], count: 2 },
      );
      await page.waitForFunction(() => document.getElementById('log')?.textContent?.includes('[*] connected'));
      await expectRooms(page, ['[#lobby]', '#rust']);
      await expectPeople(page, ['alice (you)']);
      await page.click('#rooms button:has-text("#rust")');
      expect(await second.nextLine()).toBe('/join #rust');
      await expectPeople(page, ['dave', 'alice (you)']);
    });

    it('opens in the room the address names (/#rust), and joins one when the address changes', async () => {
      const session = await open({ hash: '#rust' });
      const { page } = session;
      const client = await session.standIn.nextClient();
      await client.welcome('alice', ['alice']);
      expect(await client.nextLine()).toBe('/join #rust');
      client.send(
        { type: 'entered', room: '#rust', name: 'alice' },
        { type: 'who', room: '#rust', names: ['alice'], count: 1 },
      );
      await expectRooms(page, ['#lobby', '[#rust]']);
      expect(await page.evaluate(() => location.hash)).toBe('#rust');
      expect(await page.getAttribute('#room-link', 'href')).toBe('#rust');

      await page.evaluate(() => (location.hash = '#go'));
      expect(await client.nextLine()).toBe('/join #go');
    });
  });

  it('keeps the log to the last 1,000 entries, following new ones unless you scrolled up', async () => {
    const { page, client } = await joinAs('alice');
    for (let i = 1; i <= 1_050; i++) client.send({ type: 'said', name: 'bob', text: `m${i}` });
    await expectLastLog(page, 'bob: m1050');
    expect(await page.locator('#log .entry').count()).toBe(1_000);
    expect(await page.textContent('#log .entry:first-child')).toBe('bob: m51');
    await nextFrame(page);
    expect(await distanceFromBottom(page)).toBeLessThanOrEqual(1);

    // Reading older messages: new ones do not pull the log back down.
    await page.evaluate(() => (document.getElementById('log')!.scrollTop = 0));
    client.send({ type: 'said', name: 'bob', text: 'while you read' });
    await expectLastLog(page, 'bob: while you read');
    await nextFrame(page);
    expect(await page.evaluate(() => document.getElementById('log')!.scrollTop)).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------

/** The page has stopped: no retry comes, however long we wait; Reconnect connects at once. */
async function expectStoppedThenReconnect(page: Page, standIn: StandIn): Promise<void> {
  expect(await page.getAttribute('body', 'data-state')).toBe('stopped');
  expect(await page.isVisible('#reconnect')).toBe(true);
  // Far past the longest backoff (fake clock): a scheduled retry would fire now.
  await page.clock.runFor(120_000);
  await page.click('#reconnect');
  const again = await standIn.nextClient();
  // The connection that came is the button's: no retry came before it.
  expect(standIn.clients).toHaveLength(2);
  await again.welcome('alice');
  await waitForState(page, 'connected');
  expect(await page.isVisible('#reconnect')).toBe(false);
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('input');
}

/** Waits (bounded) until the room list reads `expected`: each button's text, the one in view in brackets. */
async function expectRooms(page: Page, expected: readonly string[]): Promise<void> {
  let rooms: string[] = [];
  await waitUntilAsync(
    async () => {
      rooms = await page.$$eval('#rooms button', (buttons) =>
        buttons.map((b) => {
          // What a screen reader reads: the text, but not a hidden badge.
          const shown = b.cloneNode(true) as HTMLElement;
          Array.from(shown.querySelectorAll('[hidden]')).forEach((hidden) => hidden.remove());
          // The name and the badge are apart, as the accessible name has them.
          const text = Array.from(shown.children, (part) => part.textContent).join(' ');
          return b.getAttribute('aria-current') === 'true' ? `[${text}]` : text;
        }),
      );
      return JSON.stringify(rooms) === JSON.stringify(expected);
    },
    `the rooms to be ${JSON.stringify(expected)}`,
    async () => `rooms: ${JSON.stringify(rooms)}, log: ${JSON.stringify((await logTexts(page)).slice(-6))}`,
  );
}

function nextFrame(page: Page): Promise<unknown> {
  return page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

function distanceFromBottom(page: Page): Promise<number> {
  return page.evaluate(() => {
    const log = document.getElementById('log')!;
    return log.scrollHeight - log.scrollTop - log.clientHeight;
  });
}
