import { IrcClient, quitAllIrcClients } from '../../support/irc-client';
import { type TestServer, startServer } from '../../support/test-server';
import { WsClient, terminateAllWsClients } from '../../support/ws-client';
import { destroyAllClients } from '../../support/line-client';

/**
 * IRC clients in the same chat as TCP and WebSocket clients, end to end: a real server, a real IRC
 * client library (irc-framework), the TCP and WebSocket test clients.
 */
describe('IRC clients', () => {
  let test: TestServer;

  afterEach(async () => {
    quitAllIrcClients();
    terminateAllWsClients();
    destroyAllClients();
    await test?.stop();
  });

  const ircPort = () => test.server.ircPort!;

  it('register with the nick they ask for, learn the limits, and land in the default room with its members', async () => {
    test = await startServer({ ircPort: 0, serverName: 'irc.test' });
    const alice = await test.join();
    const irc = await IrcClient.connect(ircPort(), 'zoe');
    expect(irc.nick).toBe('zoe');
    expect(await irc.readUntil(/ 001 /)).toBe(':irc.test 001 zoe :Welcome to the rxchat IRC network, zoe');
    const isupport = await irc.readUntil(/ 005 /);
    expect(isupport).toContain('NICKLEN=32');
    expect(isupport).toContain('CHANNELLEN=33');
    expect(isupport).toContain('CHANTYPES=#');
    expect(isupport).toContain('CASEMAPPING=ascii');
    expect(isupport).toContain('LINELEN=512');
    expect(await irc.readUntil(/ 251 /)).toBe(':irc.test 251 zoe :There are 2 users and 0 invisible on 1 servers');
    await irc.readUntil(/ 422 /);
    expect(await irc.readUntil(/ JOIN /)).toBe(':zoe!zoe@rxchat JOIN #lobby');
    expect(await irc.readUntil(/ 353 /)).toBe(':irc.test 353 zoe = #lobby :alice zoe');
    await irc.readUntil(/ 366 zoe #lobby /);
    expect(await alice.readUntil(/joined/)).toBe('zoe joined the chat');
  });

  it('get 433 for a nick taken (ignoring case and look-alikes) and register with another', async () => {
    test = await startServer({ ircPort: 0, serverName: 'irc.test' });
    const alice = await test.join();
    const irc = await IrcClient.connect(ircPort(), 'AL1CE', 'zed');
    expect(irc.lines).toContain(':irc.test 433 * AL1CE :Nickname is already in use');
    expect(irc.nick).toBe('zed');
    expect(await alice.readUntil(/joined/)).toBe('zed joined the chat');
  });

  it('get 432 for a nick the chat does not allow', async () => {
    test = await startServer({ ircPort: 0, serverName: 'irc.test' });
    const irc = await IrcClient.connect(ircPort(), 'b@d', 'good');
    expect(irc.lines).toContain(':irc.test 432 * b@d :Erroneous nickname');
    expect(irc.nick).toBe('good');
  });

  it('chat with TCP and WebSocket clients in one room, both ways, /me as ACTION', async () => {
    test = await startServer({ ircPort: 0, httpPort: 0, serverName: 'irc.test' });
    const alice = await test.join();
    const ws = await WsClient.connect(test.server.httpPort!);
    const bob = (await ws.until((frame) => frame.type === 'welcome'))['name'] as string;
    const irc = await IrcClient.connect(ircPort(), 'zoe');
    await irc.readUntil(/ 366 /);

    irc.client.join('#rust');
    expect(await irc.readUntil(/JOIN #rust/)).toBe(':zoe!zoe@rxchat JOIN #rust');
    expect(await irc.readUntil(/ 353 /)).toBe(':irc.test 353 zoe = #rust :zoe');
    alice.send('/join #rust');
    ws.send('/join #rust');
    await irc.readUntil(/^:alice!alice@rxchat JOIN #rust$/);
    await irc.readUntil(new RegExp(`^:${bob}!${bob}@rxchat JOIN #rust$`));
    await alice.readUntil(`[#rust] ${bob} joined`);

    irc.client.say('#rust', 'hello from irc');
    expect(await alice.readUntil(/zoe:/)).toBe('[#rust] zoe: hello from irc');
    expect(await ws.until((frame) => frame.type === 'said')).toEqual({
      type: 'said',
      name: 'zoe',
      text: 'hello from irc',
      room: '#rust',
    });

    alice.send('hi from tcp');
    expect(await irc.readUntil(/PRIVMSG #rust/)).toBe(':alice!alice@rxchat PRIVMSG #rust :hi from tcp');
    ws.send('hi from the page');
    expect(await irc.readUntil(/PRIVMSG #rust/)).toBe(`:${bob}!${bob}@rxchat PRIVMSG #rust :hi from the page`);

    irc.client.action('#rust', 'waves');
    expect(await alice.readUntil(/waves/)).toBe('[#rust] * zoe waves');
    alice.send('/me bows');
    expect(await irc.readUntil(/bows/)).toBe(':alice!alice@rxchat PRIVMSG #rust :\x01ACTION bows\x01');

    // A line to another of its rooms goes there, not to the room its last line went to.
    irc.client.say('#lobby', 'back in the lobby');
    expect(await alice.readUntil(/back in the lobby/)).toBe('zoe: back in the lobby');
    irc.client.say('#rust', '/not a command');
    expect(await alice.readUntil(/not a command/)).toBe('[#rust] zoe: /not a command');

    // A room it is not in: 404, and nobody hears it.
    irc.client.say('#elsewhere', 'lost');
    expect(await irc.readUntil(/ 404 /)).toBe(':irc.test 404 zoe #elsewhere :Cannot send to channel');
  });

  it('send and receive private messages', async () => {
    test = await startServer({ ircPort: 0, serverName: 'irc.test' });
    const alice = await test.join();
    const irc = await IrcClient.connect(ircPort(), 'zoe');
    await irc.readUntil(/ 366 /);
    irc.client.say('alice', 'psst');
    expect(await alice.readUntil(/\[pm\]/)).toBe('[pm] zoe: psst');
    alice.send('/msg zoe right back');
    expect(await irc.readUntil(/PRIVMSG zoe/)).toBe(':alice!alice@rxchat PRIVMSG zoe :right back');
    irc.client.say('nobody', 'hello?');
    expect(await irc.readUntil(/ 401 /)).toBe(':irc.test 401 zoe nobody :No such nick/channel');
  });

  it('see joins, parts, renames and quits, and get their own PART and NICK', async () => {
    test = await startServer({ ircPort: 0, serverName: 'irc.test' });
    const alice = await test.join();
    const irc = await IrcClient.connect(ircPort(), 'zoe');
    await irc.readUntil(/ 366 /);
    irc.client.join('#rust');
    await irc.readUntil(/ 366 zoe #rust /);
    alice.send('/join #rust');
    await irc.readUntil(/alice!alice@rxchat JOIN #rust/);
    alice.send('/part #rust tea');
    expect(await irc.readUntil(/PART/)).toBe(':alice!alice@rxchat PART #rust :tea');
    irc.client.part('#rust', 'bye');
    expect(await irc.readUntil(/PART/)).toBe(':zoe!zoe@rxchat PART #rust :bye');
    alice.send('/nick alicia');
    expect(await irc.readUntil(/NICK/)).toBe(':alice!alice@rxchat NICK :alicia');
    irc.client.changeNick('zoey');
    expect(await irc.readUntil(/NICK/)).toBe(':zoe!zoe@rxchat NICK :zoey');
    expect(await alice.readUntil(/^zoe is now/)).toBe('zoe is now known as zoey');
    alice.send('/quit off');
    expect(await irc.readUntil(/QUIT/)).toBe(':alicia!alicia@rxchat QUIT :Quit: off');
    irc.client.quit('later');
    await irc.readUntil(/^ERROR :Closing Link/);
  });

  it('answer NAMES, WHO, WHOIS, LIST, MODE, ISON, PING and unknown commands', async () => {
    test = await startServer({ ircPort: 0, serverName: 'irc.test' });
    await test.join();
    const irc = await IrcClient.connect(ircPort(), 'zoe');
    await irc.readUntil(/ 366 /);
    irc.client.raw('NAMES #lobby');
    expect(await irc.readUntil(/ 353 /)).toBe(':irc.test 353 zoe = #lobby :alice zoe');
    irc.client.raw('WHO #lobby');
    expect(await irc.readUntil(/ 352 /)).toBe(':irc.test 352 zoe #lobby alice rxchat irc.test alice H :0 alice');
    expect(await irc.readUntil(/ 352 /)).toBe(':irc.test 352 zoe #lobby zoe rxchat irc.test zoe H :0 zoe');
    await irc.readUntil(/ 315 zoe #lobby /);
    irc.client.raw('WHOIS alice');
    expect(await irc.readUntil(/ 311 /)).toBe(':irc.test 311 zoe alice alice rxchat * :alice');
    expect(await irc.readUntil(/ 319 /)).toBe(':irc.test 319 zoe alice :#lobby');
    await irc.readUntil(/ 318 /);
    irc.client.raw('LIST');
    expect(await irc.readUntil(/ 322 /)).toBe(':irc.test 322 zoe #lobby 2 :');
    await irc.readUntil(/ 323 /);
    irc.client.raw('MODE #lobby');
    expect(await irc.readUntil(/ 324 /)).toBe(':irc.test 324 zoe #lobby :+nt');
    irc.client.raw('ISON alice nobody ZOE');
    expect(await irc.readUntil(/ 303 /)).toBe(':irc.test 303 zoe :alice zoe');
    irc.client.raw('PING :abc');
    expect(await irc.readUntil(/PONG/)).toBe(':irc.test PONG irc.test :abc');
    irc.client.raw('FROB x');
    expect(await irc.readUntil(/ 421 /)).toBe(':irc.test 421 zoe FROB :Unknown command');
  });

  it('disconnect a flooder with ERROR :Excess Flood, its leave seen by the others', async () => {
    test = await startServer({ ircPort: 0, serverName: 'irc.test', rate: 5, burst: 10 });
    const alice = await test.join();
    const irc = await IrcClient.connect(ircPort(), 'zoe');
    await irc.readUntil(/ 366 /);
    for (let i = 0; i < 400; i++) irc.client.raw(`PRIVMSG #lobby :flood ${i}`);
    await irc.readUntil(/^ERROR :Excess Flood$/);
    await irc.waitClosed();
    await alice.readUntil('[-] zoe left the chat.');
  });

  it('are told the server is shutting down', async () => {
    test = await startServer({ ircPort: 0, serverName: 'irc.test' });
    const irc = await IrcClient.connect(ircPort(), 'zoe');
    await irc.readUntil(/ 366 /);
    await test.stop();
    await irc.readUntil(/^ERROR :Closing Link: server shutting down$/);
    await irc.waitClosed();
  });
});
