/// <reference lib="dom" />
/**
 * The page against the real server, end to end: two browser pages and one TCP (nc-style) client in
 * one room, hostile text shown literally, and a page that reconnects after a server restart.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describeWithBrowser } from '../support/browser';
import { LineClient, destroyAllClients } from '../support/line-client';
import { type TestServer, startServer } from '../support/test-server';
import {
  NOTHING_WRONG,
  type PageWatch,
  expectPeople,
  logTexts,
  typeAndSend,
  waitForState,
  waitUntilAsync,
  watchPage,
} from './page-helpers';

jest.setTimeout(30_000);

const HOSTILE = '<img src=x onerror=alert(1)>';

describeWithBrowser('the page on the real server', (browser: () => Browser) => {
  const servers: TestServer[] = [];
  const opened: { context: BrowserContext; watch: PageWatch }[] = [];

  async function openPage(port: number): Promise<Page> {
    const context = await browser().newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    opened.push({ context, watch: await watchPage(context, page) });
    await page.goto(`http://127.0.0.1:${port}/`);
    return page;
  }

  /** Waits until some log entry of the page satisfies `match`. */
  async function seeInLog(page: Page, match: string | RegExp): Promise<void> {
    let texts: string[] = [];
    await waitUntilAsync(
      async () => {
        texts = await logTexts(page);
        return texts.some((text) => (typeof match === 'string' ? text.includes(match) : match.test(text)));
      },
      `a log entry ${String(match)}`,
      async () => `log: ${JSON.stringify(texts.slice(-10), null, 1)}`,
    );
  }

  /** Waits until the page shows `name` as yours. */
  async function waitForName(page: Page, name: string): Promise<void> {
    await waitUntilAsync(
      async () => (await page.locator('#my-name').textContent()) === name,
      `the page to be ${name}`,
      async () => `log: ${JSON.stringify((await logTexts(page)).slice(-6))}`,
    );
  }

  afterEach(async () => {
    destroyAllClients();
    const records = [];
    for (const { context, watch } of opened.splice(0)) {
      records.push(await watch.record());
      await context.close();
    }
    for (const server of servers.splice(0)) await server.stop();
    for (const record of records) expect(record).toEqual(NOTHING_WRONG);
  });

  it('puts two pages and an nc client in one room; hostile text shows literally and runs nothing', async () => {
    const server = await startServer({ httpPort: 0 });
    servers.push(server);
    const nc = await server.join(); // alice, over TCP
    const bobPage = await openPage(server.server.httpPort!);
    await waitForName(bobPage, 'bob');
    await nc.readUntil('bob joined the chat');
    const carolPage = await openPage(server.server.httpPort!);
    await waitForName(carolPage, 'carol');
    await expectPeople(carolPage, ['alice', 'bob', 'carol (you)']);
    await expectPeople(bobPage, ['alice', 'bob (you)', 'carol']);

    nc.send('hello browsers');
    await seeInLog(bobPage, 'alice: hello browsers');
    await seeInLog(carolPage, 'alice: hello browsers');

    await typeAndSend(bobPage, HOSTILE);
    await nc.readUntil(`bob: ${HOSTILE}`);
    await seeInLog(carolPage, `bob: ${HOSTILE}`);
    expect(await carolPage.locator('#log img').count()).toBe(0);

    await typeAndSend(carolPage, '/nick carla');
    await nc.readUntil('carol is now known as carla');
    await expectPeople(bobPage, ['alice', 'bob (you)', 'carla']);
    await typeAndSend(bobPage, '/msg alice psst');
    await nc.readUntil('[pm] bob: psst');

    nc.destroy();
    await expectPeople(bobPage, ['bob (you)', 'carla']);
  });

  it('joins a room from the form and chats there with a TCP client; the lobby counts what it missed', async () => {
    const server = await startServer({ httpPort: 0 });
    servers.push(server);
    const nc = await server.join(); // alice, over TCP
    const page = await openPage(server.server.httpPort!);
    await waitForName(page, 'bob');
    await nc.readUntil('bob joined the chat');
    nc.send('/join #rust');
    await nc.readUntil('[#rust] alice joined');

    await page.fill('#room-input', '#Rust');
    await page.press('#room-input', 'Enter');
    await nc.readUntil('[#rust] bob joined');
    // The server's name for the room (as first written), its members from the answer to the join.
    await waitUntilAsync(
      async () => (await page.textContent('#room-title')) === '#rust',
      'the page to show #rust',
      async () => `log: ${JSON.stringify((await logTexts(page)).slice(-6))}`,
    );
    await expectPeople(page, ['alice', 'bob (you)']);

    await typeAndSend(page, 'hello rust');
    await nc.readUntil('[#rust] bob: hello rust');
    nc.send('hi bob'); // alice's current room is #rust too
    await seeInLog(page, 'alice: hi bob');

    // Back to the lobby (the page sends /join #lobby): a line there is unprefixed, and #rust counts.
    await page.click('#rooms button:has-text("#lobby")');
    await typeAndSend(page, 'hello lobby');
    await nc.readUntil((line) => line === 'bob: hello lobby');
    nc.send('more rust');
    await waitUntilAsync(
      async () => (await page.locator('#rooms button:has-text("#rust") .unread-count').textContent()) === '1',
      '#rust to count one unread',
      async () => `rooms: ${JSON.stringify(await page.locator('#rooms button').allTextContents())}`,
    );

    // Leaving #rust: alice hears it; the page's lines still reach the lobby.
    await page.click('#rooms button:has-text("#rust")');
    await seeInLog(page, 'alice: more rust');
    await page.getByRole('button', { name: 'Leave #rust' }).click();
    await nc.readUntil('[#rust] [-] bob left');
    await typeAndSend(page, 'lobby again');
    await nc.readUntil('bob: lobby again');
  });

  it('opens in the room its address names', async () => {
    const server = await startServer({ httpPort: 0 });
    servers.push(server);
    const nc = await server.join();
    nc.send('/join #go');
    await nc.readUntil('[#go] alice joined');
    const context = await browser().newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    opened.push({ context, watch: await watchPage(context, page) });
    await page.goto(`http://127.0.0.1:${server.server.httpPort!}/#go`);
    await nc.readUntil('[#go] bob joined');
    await expectPeople(page, ['alice', 'bob (you)']);
    await typeAndSend(page, 'via the link');
    await nc.readUntil('[#go] bob: via the link');
  });

  it('reconnects after the server restarts, saying so, and chats again', async () => {
    const first = await startServer({ httpPort: 0 });
    const httpPort = first.server.httpPort!;
    const page = await openPage(httpPort);
    await waitForState(page, 'connected');
    await first.stop();
    await seeInLog(page, /server shutting down/);
    const second = await startServer({ httpPort, names: () => 'dave' });
    servers.push(second);
    await waitForName(page, 'dave');
    const nc = await LineClient.connect(second.port, 'nc');
    await nc.readUntil(/joined the chat/);
    await typeAndSend(page, 'back again');
    await nc.readUntil('dave: back again');
  });

  describe('history and resumed sessions (issue 16)', () => {
    /** Opens a page whose WebSockets the spec can reach, to drop them as a network would. */
    async function openDroppablePage(port: number): Promise<Page> {
      const context = await browser().newContext({ viewport: { width: 1280, height: 800 } });
      await context.addInitScript(() => {
        const sockets: WebSocket[] = [];
        (window as unknown as { pageSockets: WebSocket[] }).pageSockets = sockets;
        const Original = window.WebSocket;
        window.WebSocket = class extends Original {
          constructor(url: string | URL, protocols?: string | string[]) {
            super(url, protocols);
            sockets.push(this);
          }
        };
      });
      const page = await context.newPage();
      opened.push({ context, watch: await watchPage(context, page) });
      await page.goto(`http://127.0.0.1:${port}/`);
      return page;
    }

    const entriesWith = async (page: Page, text: string) =>
      (await logTexts(page)).filter((entry) => entry.includes(text));

    it('resumes after a dropped connection: same name, and the line said meanwhile shows once, as history', async () => {
      const server = await startServer({ httpPort: 0 });
      servers.push(server);
      const nc = await server.join(); // alice, over TCP
      const page = await openDroppablePage(server.server.httpPort!);
      await waitForName(page, 'bob');
      await nc.readUntil('bob joined the chat');
      nc.send('before the drop');
      await seeInLog(page, 'alice: before the drop');
      await waitUntilAsync(
        async () => (await page.evaluate(() => sessionStorage.getItem('rxchat.session'))) !== null,
        'the page to keep a session',
        async () => `log: ${JSON.stringify((await logTexts(page)).slice(-6))}`,
      );

      await page.evaluate(() => (window as unknown as { pageSockets: WebSocket[] }).pageSockets.at(-1)!.close());
      await nc.readUntil('[-] bob left the chat.');
      nc.send('while you were away');
      await seeInLog(page, /resumed as bob/);
      await seeInLog(page, 'alice: while you were away');
      await nc.readUntil('carol is now known as bob');
      expect(await entriesWith(page, 'while you were away')).toHaveLength(1);
      expect(await entriesWith(page, 'before the drop')).toHaveLength(1);
      expect(await page.locator('#log .entry.history', { hasText: 'while you were away' }).count()).toBe(1);
      expect(await page.locator('#log .entry.history time').first().getAttribute('datetime')).toMatch(/^\d{4}-/);
      await expectPeople(page, ['alice', 'bob (you)']);

      await typeAndSend(page, 'back again');
      await nc.readUntil('bob: back again');
    });

    it('loads older messages when scrolled to the top, in order, until there are no more', async () => {
      const server = await startServer({ httpPort: 0 });
      servers.push(server);
      const nc = await server.join();
      const lines = Array.from({ length: 130 }, (_, i) => `line ${i + 1}`);
      for (const line of lines) nc.send(line);
      // Its /who answer comes after every line: they are all in the room's history.
      nc.send('/who');
      await nc.readUntil(/online/);
      const page = await openPage(server.server.httpPort!);
      await waitForName(page, 'bob');
      await seeInLog(page, 'alice: line 130');
      // The scrollback (the last 20), marked as history; more may be loaded already to fill the view.
      expect(await page.locator('#log .entry.history').count()).toBeGreaterThanOrEqual(20);

      await page.hover('#log');
      await waitUntilAsync(
        async () => {
          await page.mouse.wheel(0, -2_000);
          return (await logTexts(page)).some((text) => text.includes('no earlier messages'));
        },
        'the page to load every older message',
        async () => `log: ${JSON.stringify((await logTexts(page)).slice(0, 6))}`,
      );
      const shown = (await logTexts(page))
        .map((text) => /alice: (line \d+)$/.exec(text)?.[1])
        .filter((line) => line !== undefined);
      expect(shown).toEqual(lines);
      expect((await logTexts(page))[0]).toContain('no earlier messages in #lobby');
    });
  });
});
