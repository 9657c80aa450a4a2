/// <reference lib="dom" />
/**
 * Screenshots of the chat page for the README, at desktop and phone width, from a scripted
 * conversation with the stand-in server:
 *
 *   npx ts-node spec/web/screenshots.ts [OUTPUT_DIR]     (default docs/screenshots)
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { type StandInClient, startStandIn } from './stand-in-server';

const SHOTS = [
  { file: 'chat-desktop.png', viewport: { width: 1280, height: 800 }, colorScheme: 'light' },
  { file: 'chat-phone.png', viewport: { width: 360, height: 740 }, colorScheme: 'light' },
  { file: 'chat-desktop-dark.png', viewport: { width: 1280, height: 800 }, colorScheme: 'dark' },
] as const;

const ME = 'Kenneth48';
const OTHERS = ['Roselyn96', 'Jaiden.Kutch', 'Elmer_Haag', 'dana-k'];

async function main(): Promise<void> {
  const outputDir = process.argv[2] ?? join(__dirname, '..', '..', 'docs', 'screenshots');
  mkdirSync(outputDir, { recursive: true });
  const browser = await launchBrowser();
  if (browser === undefined) throw new Error('no browser: see the message above');
  try {
    for (const shot of SHOTS) await take(browser, shot, join(outputDir, shot.file));
  } finally {
    await browser.close();
  }
}

async function take(browser: Browser, shot: (typeof SHOTS)[number], path: string): Promise<void> {
  const standIn = await startStandIn();
  const context = await browser.newContext({
    viewport: shot.viewport,
    colorScheme: shot.colorScheme,
    deviceScaleFactor: 1,
  });
  context.setDefaultTimeout(5_000);
  try {
    const page = await context.newPage();
    await page.goto(standIn.url);
    const client = await standIn.nextClient();
    await converse(page, client);
    await page.screenshot({ path });
    console.log(`wrote ${path}`);
  } finally {
    await context.close();
    await standIn.close();
  }
}

/** A short conversation that shows every kind of entry, in #design with the lobby counting unread messages. */
async function converse(page: Page, client: StandInClient): Promise<void> {
  await client.welcome(ME, [OTHERS[0]!, OTHERS[1]!, ME]);
  await joinRoom(page, client, '#rust', ['Jaiden.Kutch', ME]);
  client.send({ type: 'said', name: 'Jaiden.Kutch', text: 'anyone tried the new borrow checker?', room: '#rust' });
  await joinRoom(page, client, '#design', ['Roselyn96', 'Jaiden.Kutch', ME]);
  client.send(
    { type: 'said', name: 'Jaiden.Kutch', text: 'lunch at noon?', room: '#lobby' },
    { type: 'joined', name: 'Mohamed.W', room: '#lobby' },
    { type: 'said', name: 'Mohamed.W', text: 'morning all', room: '#lobby' },
    { type: 'said', name: 'Jaiden.Kutch', text: 'yes, with lifetimes', room: '#rust' },
  );
  client.send(
    { type: 'said', name: 'Roselyn96', text: 'hi there! anyone up for the 5pm standup?', room: '#design' },
    { type: 'entered', name: 'Elmer_Haag', room: '#design' },
    { type: 'said', name: 'Jaiden.Kutch', text: 'yes, in 10 minutes', room: '#design' },
  );
  await shown(page, 'yes, in 10 minutes');
  await send(page, client, 'count me in');
  client.send(
    { type: 'action', name: 'Elmer_Haag', text: 'waves from the train', room: '#design' },
    { type: 'private', from: 'Roselyn96', text: 'can you share the notes afterwards?' },
  );
  await shown(page, 'can you share the notes afterwards?');
  await send(page, client, '/msg Roselyn96 sure, I will post them here');
  await send(page, client, '/nick Jaiden.Kutch');
  client.send({
    type: 'notice',
    code: 'name-taken',
    name: 'Jaiden.Kutch',
    level: 'error',
    text: 'name taken: Jaiden.Kutch',
  });
  client.send({ type: 'entered', name: 'dana-k', room: '#design' }, { type: 'renamed', from: 'dana-k', to: 'Dana' });
  await shown(page, 'dana-k is now known as Dana');
  await send(page, client, '/who');
  client.send({
    type: 'who',
    names: ['Roselyn96', 'Jaiden.Kutch', ME, 'Elmer_Haag', 'Dana'],
    count: 5,
    room: '#design',
  });
  client.send(
    { type: 'said', name: 'Dana', text: 'a message like <img src=x onerror=alert(1)> shows as text', room: '#design' },
    { type: 'left', name: 'Elmer_Haag', reason: 'tunnel' },
  );
  await shown(page, '[-] Elmer_Haag left the chat. (tunnel)');
  await send(page, client, '/me is typing the notes');
  await shown(page, '* Kenneth48 is typing the notes');
}

/** Waits until the last log entry ends with `text`: the page shows its own lines at once, so a
 * line typed before the server's frames arrived would come first. */
async function shown(page: Page, text: string): Promise<void> {
  await page.waitForFunction(
    (t) => document.querySelector('#log .entry:last-child')?.textContent?.endsWith(t) === true,
    text,
  );
}

/** Joins a room from the form, answered as the server does: entered, then the members. */
async function joinRoom(page: Page, client: StandInClient, room: string, members: readonly string[]): Promise<void> {
  await page.fill('#room-input', room);
  await page.press('#room-input', 'Enter');
  const received = await client.nextLine(`the page to join ${room}`);
  if (received !== `/join ${room}`) throw new Error(`expected /join ${room}, the page sent ${received}`);
  client.send({ type: 'entered', room, name: ME }, { type: 'who', room, names: members, count: members.length });
  await page.waitForFunction((r) => document.getElementById('room-title')?.textContent === r, room);
}

async function send(page: Page, client: StandInClient, line: string): Promise<void> {
  await page.fill('#input', line);
  await page.press('#input', 'Enter');
  const received = await client.nextLine(`the page to send ${line}`);
  if (received !== line) throw new Error(`expected ${line}, the page sent ${received}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
