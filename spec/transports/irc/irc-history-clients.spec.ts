import { Client } from 'irc-framework';
import { HOST, LineClient, WAIT_MS, destroyAllClients } from '../../support/line-client';
import { type TestServer, startServer } from '../../support/test-server';
import { waitUntil } from '../../support/waiting';

const TIME = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';

/** A real IRC client (irc-framework, which asks for batch, server-time and message-tags) that records lines with their tags. */
class TaggedIrcClient {
  readonly lines: string[] = [];
  private cursor = 0;

  constructor(readonly client: Client) {
    client.on('raw', (event: { line: string; from_server: boolean }) => {
      if (event.from_server) this.lines.push(event.line.trimEnd());
    });
  }

  static async connect(port: number, nick: string, extraCaps: string[] = []): Promise<TaggedIrcClient> {
    const client = new Client({ auto_reconnect: false });
    open.add(client);
    // Not in the library's declared types, but in its API.
    for (const cap of extraCaps) (client as unknown as { requestCap(cap: string): void }).requestCap(cap);
    const irc = new TaggedIrcClient(client);
    client.connect({ host: HOST, port, nick, username: nick, gecos: nick, auto_reconnect: false, ping_interval: 0 });
    await irc.readUntil(/ 001 /);
    return irc;
  }

  /** Skips lines up to the first that matches, consumes it and returns it. */
  async readUntil(match: RegExp): Promise<string> {
    let found: string | undefined;
    await waitUntil(
      () => {
        while (this.cursor < this.lines.length) {
          const line = this.lines[this.cursor++]!;
          if (match.test(line)) return (found = line) !== undefined;
        }
        return false;
      },
      WAIT_MS,
      `a line matching ${String(match)}`,
      () => this.lines.join('\n'),
    );
    return found!;
  }

  /** The lines of the next batch of `type`, its BATCH lines included. */
  async readBatch(type: string): Promise<string[]> {
    const start = await this.readUntil(new RegExp(`BATCH \\+\\S+ ${type}`));
    const ref = /BATCH \+(\S+)/.exec(start)![1]!;
    const lines = [start];
    for (;;) {
      const line = await this.readUntil(/./);
      lines.push(line);
      if (line.endsWith(`BATCH -${ref}`)) return lines;
    }
  }
}

const open = new Set<Client>();

/** An IRC client that negotiates nothing: a plain socket speaking NICK and USER. */
async function plainIrcClient(port: number, nick: string): Promise<LineClient> {
  const client = await LineClient.connect(port, nick);
  client.send(`NICK ${nick}\r\nUSER ${nick} 0 * :${nick}\r`);
  return client;
}

/**
 * History for IRC clients, end to end: scrollback as a chathistory batch with server-time and
 * msgid to clients that negotiated them and as NOTICEs to plain ones, and CHATHISTORY.
 */
describe('IRC clients and history', () => {
  let test: TestServer;

  afterEach(async () => {
    for (const client of open) client.quit();
    open.clear();
    destroyAllClients();
    await test?.stop();
  });

  async function chatter(): Promise<void> {
    const [alice, bob] = [await test.join(), await test.join()];
    alice.send('one');
    alice.send('/me two');
    alice.send('three');
    await bob.readUntil('alice: three');
  }

  it('get the scrollback in a chathistory batch with times and msgids, or as NOTICEs without the caps', async () => {
    test = await startServer({ ircPort: 0, serverName: 'irc.test' });
    await chatter();
    const zoe = await TaggedIrcClient.connect(test.server.ircPort!, 'zoe');
    await zoe.readUntil(/JOIN #lobby/);
    const batch = await zoe.readBatch('chathistory #lobby');
    expect(batch).toHaveLength(5);
    const ref = /BATCH \+(\S+)/.exec(batch[0]!)![1]!;
    const tags = `@batch=${ref};time=${TIME};msgid=`;
    expect(batch[1]).toMatch(new RegExp(`^${tags}lobby:1 :alice!alice@rxchat PRIVMSG #lobby :one$`));
    expect(batch[2]).toMatch(new RegExp(`^${tags}lobby:2 :alice!alice@rxchat PRIVMSG #lobby :\x01ACTION two\x01$`));
    expect(batch[3]).toMatch(new RegExp(`^${tags}lobby:3 :alice!alice@rxchat PRIVMSG #lobby :three$`));

    const plain = await plainIrcClient(test.server.ircPort!, 'pat');
    await plain.readUntil(/JOIN #lobby/);
    const notices = [await plain.readUntil(/NOTICE #lobby/), await plain.readUntil(/NOTICE #lobby/)];
    expect(notices[0]).toMatch(
      /^:irc\.test NOTICE #lobby :\[history \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\] alice: one\r$/,
    );
    expect(notices[1]).toMatch(/^:irc\.test NOTICE #lobby :\[history [^\]]+\] \* alice two\r$/);
    expect(plain.lines.join('\n')).not.toMatch(/ PRIVMSG #lobby|BATCH /);

    // A live line carries its msgid, the next id of the room.
    const carol = await test.join();
    carol.send('four');
    expect(await zoe.readUntil(/PRIVMSG #lobby :four/)).toMatch(
      new RegExp(`^@time=${TIME};msgid=lobby:4 :carol!carol@rxchat PRIVMSG #lobby :four$`),
    );
  });

  it('page back with CHATHISTORY LATEST and BEFORE, and get FAIL for a channel they are not in', async () => {
    test = await startServer({ ircPort: 0, serverName: 'irc.test', scrollback: 0 });
    await chatter();
    const zoe = await TaggedIrcClient.connect(test.server.ircPort!, 'zoe', ['draft/chathistory']);
    expect(await zoe.readUntil(/ 005 /)).toContain('CHATHISTORY=100');
    await zoe.readUntil(/ 366 /);

    zoe.client.raw('CHATHISTORY LATEST #lobby * 2');
    const latest = await zoe.readBatch('chathistory #lobby');
    expect(latest.slice(1, -1).map((line) => /msgid=(\S+)/.exec(line)![1])).toEqual(['lobby:2', 'lobby:3']);

    zoe.client.raw('CHATHISTORY BEFORE #lobby msgid=lobby:2 10');
    const before = await zoe.readBatch('chathistory #lobby');
    expect(before).toHaveLength(3);
    expect(before[1]).toMatch(/msgid=lobby:1 :alice!alice@rxchat PRIVMSG #lobby :one$/);

    zoe.client.raw('CHATHISTORY AFTER #lobby msgid=lobby:1 1');
    const after = await zoe.readBatch('chathistory #lobby');
    expect(after.slice(1, -1).map((line) => /msgid=(\S+)/.exec(line)![1])).toEqual(['lobby:2']);

    zoe.client.raw('CHATHISTORY LATEST #nowhere * 5');
    expect(await zoe.readUntil(/FAIL/)).toMatch(
      /^(@\S+ )?:irc\.test FAIL CHATHISTORY INVALID_TARGET LATEST #nowhere :Messages could not be retrieved$/,
    );
  });
});
