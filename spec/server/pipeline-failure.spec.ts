import { map } from 'rxjs';
import type { ChatOperator } from '../../src/pipeline/operator';
import { createChatServer } from '../../src/server/create-chat-server';
import { LineClient, destroyAllClients } from '../support/line-client';
import { listSource } from '../support/test-server';
import { withTimeout } from '../support/waiting';

afterEach(() => destroyAllClients());

/** A user operator with a bug: it throws on one particular line. */
const buggy: ChatOperator = map((event) => {
  if (event.type === 'line' && event.text === 'boom') throw new Error('operator bug');
  return event;
});

describe('a chat whose pipeline fails', () => {
  it('reports the error on outputs$, closes every connection and stops listening', async () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const server = await createChatServer({
      host: '127.0.0.1',
      port: 0,
      names: listSource(),
      operators: [buggy],
      closeTimeoutMs: 200,
    });
    const failed = new Promise<unknown>((resolve) => server.outputs$.subscribe({ error: resolve }));
    const alice = await LineClient.connect(server.port, 'alice');
    expect(await alice.readLines(2)).toEqual(['[*] Welcome, alice! Type /help for commands.', 'alice joined the chat']);

    await alice.write('boom\n');
    expect(await withTimeout(failed, 5_000, 'outputs$ to error')).toEqual(new Error('operator bug'));
    await alice.waitClosed();
    await withTimeout(server.close(), 5_000, 'the server to close');
    await expect(LineClient.connect(server.port, 'late', { ms: 1_000 })).rejects.toThrow();
    expect(errors).toHaveBeenCalled();
    errors.mockRestore();
  });
});
