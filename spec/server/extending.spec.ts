/**
 * Extending a real server: operators placed among the built-ins by name (`operators` as slots), and
 * operators after the core (`outputOperators`), over TCP on 127.0.0.1.
 */
import { map, tap } from 'rxjs';
import type { ChatOperator, OutputOperator } from '../../src/pipeline/operator';
import type { PipelineEvent } from '../../src/pipeline/edge-signals';
import { LineClient, destroyAllClients } from '../support/line-client';
import { type TestServer, startServer } from '../support/test-server';

let server: TestServer | undefined;

afterEach(async () => {
  destroyAllClients();
  await server?.stop();
  server = undefined;
});

describe('operators as slots', () => {
  it('one line adds an operator before the built-in commands; every built-in policy stays', async () => {
    // "/shout text" becomes "TEXT": it must run before commands, which would call /shout unknown.
    const shout: ChatOperator = map((event: PipelineEvent) =>
      event.type === 'line' && event.text.startsWith('/shout ')
        ? { ...event, text: event.text.slice('/shout '.length).toUpperCase() }
        : event,
    );
    server = await startServer({ rate: 1, burst: 1, operators: { before: { commands: [shout] } } });
    const [alice, bob] = await server.joinAll(2);
    alice!.send('/shout hi\x07');
    alice!.send('/shout dropped by the rate limiter');
    alice!.send('/who');
    // stripControl ran before it; the rate limiter still drops alice's next lines.
    expect(await bob!.nextLine()).toBe('alice: HI');
    expect(await alice!.nextLine()).toBe('[!] rate limit exceeded, message dropped');
  });
});

describe('outputOperators', () => {
  it('run after the core, and what they make is what the clients get', async () => {
    const loud: OutputOperator = map((output) =>
      output.kind === 'deliver' && output.message.type === 'said'
        ? { ...output, message: { ...output.message, text: output.message.text.toUpperCase() } }
        : output,
    );
    server = await startServer({ outputOperators: [loud] });
    const [alice, bob] = await server.joinAll(2);
    alice!.send('hello');
    expect(await bob!.nextLine()).toBe('alice: HELLO');
  });

  it('see the join storms already summed up', async () => {
    const seen: string[] = [];
    const record: OutputOperator = tap((output) => {
      if (output.kind === 'deliver') seen.push(output.message.type);
    });
    // One join a second announced one by one: any burst past it is a storm.
    server = await startServer({ storms: { perSecond: 1, intervalMs: 100 }, outputOperators: [record] });
    const [alice] = await server.joinAll(1);
    await Promise.all(['b', 'c', 'd'].map((name) => LineClient.connect(server!.port, name)));
    await alice!.readUntil(/^\[\+\] \d+ joined: /);
    expect(seen).toContain('joined-many');
  });
});
