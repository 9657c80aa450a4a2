import { Subject, lastValueFrom } from 'rxjs';
import type { RelayEvent } from '../../src/relay/cluster-events';
import { RelayUnreachableError, redactUrl, redisRelay } from '../../src/relay/redis-relay';
import { type RedisServer, describeWithRedis, freePort, startRedis } from '../support/redis-server';
import { withTimeout } from '../support/waiting';

const host = { node: 'n1', snapshot: () => ({ clients: [], closing: false, stoppedNodes: [] }) };

describe('redisRelay: Redis unreachable at start', () => {
  it('fails clearly: ready() rejects and the stream errors with "cannot reach Redis at URL: reason"', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`; // nobody listens there
    // (ioredis leaves its connect timer running that long after a refusal: keep it short for jest.)
    const relay = redisRelay({ url, connectTimeoutMs: 300 });
    const events = lastValueFrom(relay.connect(new Subject<RelayEvent>(), host));
    const failure = await withTimeout(
      relay.ready().catch((error: unknown) => error),
      5_000,
      'the start to fail',
    );
    expect(failure).toBeInstanceOf(RelayUnreachableError);
    expect((failure as Error).message).toBe(
      `cannot reach Redis at ${url}: connect ECONNREFUSED ${url.slice('redis://'.length)}`,
    );
    await expect(events).rejects.toBe(failure);
    await relay.close(); // harmless after a failed start
  });

  it('never shows the password of the URL', () => {
    expect(redactUrl('redis://user:secret@127.0.0.1:6379/2')).toBe('redis://user:***@127.0.0.1:6379/2');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(new RelayUnreachableError('redis://:secret@h:1', 'nope').message).toBe(
      'cannot reach Redis at redis://:***@h:1: nope',
    );
  });
});

describeWithRedis('redisRelay: starting and stopping', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('serves one connect at a time', async () => {
    const relay = redisRelay({ url: redis.url, chat: 'one-connect' });
    const first = relay.connect(new Subject<RelayEvent>(), host).subscribe();
    await relay.ready();
    const second = lastValueFrom(relay.connect(new Subject<RelayEvent>(), host));
    await expect(second).rejects.toThrow('one connect() at a time');
    await relay.close();
    first.unsubscribe();
  });

  it('close() before the start is done: ready() rejects, the stream completes with the goodbye', async () => {
    const relay = redisRelay({ url: redis.url, chat: 'early-close' });
    const received: RelayEvent[] = [];
    const done = new Promise<void>((resolve) =>
      relay
        .connect(new Subject<RelayEvent>(), host)
        .subscribe({ next: (event) => received.push(event), complete: resolve }),
    );
    await relay.close();
    await withTimeout(done, 5_000, 'the stream to complete');
    await expect(relay.ready()).rejects.toThrow('closed before it was ready');
    expect(received).toEqual([expect.objectContaining({ type: 'node-stopping', node: 'n1' })]);
  });
});
