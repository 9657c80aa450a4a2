/**
 * Rooms through the whole server (issue 15): TCP and WebSocket clients in the same rooms, each
 * transport rendering the same deliveries; the default room set by the server's options.
 */
import { destroyAllClients } from '../support/line-client';
import { type TestServer, startServer } from '../support/test-server';
import { WsClient, terminateAllWsClients } from '../support/ws-client';

let server: TestServer | undefined;

afterEach(async () => {
  terminateAllWsClients();
  destroyAllClients();
  await server?.stop();
  server = undefined;
});

describe('rooms on TCP and WebSocket', () => {
  it('TCP and WebSocket clients share a room; every room-scoped frame names its room', async () => {
    server = await startServer({ httpPort: 0 });
    const alice = await server.join(); // TCP
    const bob = await WsClient.connect(server.server.httpPort!, 'bob', { keepDefaultRoom: true });
    expect(await bob.next()).toEqual({ type: 'welcome', name: 'bob' });
    expect(await bob.next()).toEqual({ type: 'joined', name: 'bob', room: '#lobby' });
    await alice.readUntil('bob joined the chat');

    alice.send('/join #rust');
    await alice.readUntil('[#rust] alice joined');
    expect(await alice.nextLine()).toBe('[*] 1 online in #rust: alice');
    bob.send('/join #Rust');
    expect(await bob.next()).toEqual({ type: 'entered', room: '#rust', name: 'bob' });
    expect(await bob.next()).toEqual({ type: 'who', names: ['alice', 'bob'], count: 2, room: '#rust' });
    expect(await alice.nextLine()).toBe('[#rust] bob joined');

    alice.send('hello rust');
    expect(await bob.next()).toEqual({ type: 'said', name: 'alice', text: 'hello rust', room: '#rust' });
    bob.send('/me waves');
    expect(await alice.nextLine()).toBe('[#rust] * bob waves');

    bob.send('/part #rust later');
    expect(await alice.nextLine()).toBe('[#rust] [-] bob left (later)');
    bob.send('back in the lobby');
    expect(await alice.nextLine()).toBe('bob: back in the lobby');
    bob.send('/rooms');
    expect(await bob.next()).toEqual({
      type: 'rooms',
      rooms: [
        { name: '#lobby', size: 2 },
        { name: '#rust', size: 1 },
      ],
      count: 2,
    });
  });

  it('the server names the default room: its lines read as in a one-room chat', async () => {
    server = await startServer({ httpPort: 0, defaultRoom: '#general' });
    const alice = await server.join();
    const bob = await WsClient.connect(server.server.httpPort!, 'bob', { keepDefaultRoom: true });
    expect(await bob.next()).toEqual({ type: 'welcome', name: 'bob' });
    expect(await bob.next()).toEqual({ type: 'joined', name: 'bob', room: '#general' });
    await alice.readUntil('bob joined the chat');
    bob.send('hi');
    expect(await alice.nextLine()).toBe('bob: hi');
    alice.send('/join #lobby');
    await alice.readUntil('[#lobby] alice joined');
  });
});
