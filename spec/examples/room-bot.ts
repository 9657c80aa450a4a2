import { mergeMap, of } from 'rxjs';
import type { ChatOutput, OutputOperator } from 'rxchat';

/**
 * A bot that answers in the room it was asked in: after a line `!ping` said in a room, every
 * member of that room (the asker too) gets `{name}: pong` there. It is an output operator, after
 * the core, where a line is a delivery that names its room and carries the room's members as its
 * audience: the bot keeps no state. `rooms` limits it to some rooms (a per-room policy).
 */
export function pingBot(options: { readonly name?: string; readonly rooms?: readonly string[] } = {}): OutputOperator {
  const name = options.name ?? 'bot';
  const answersIn = (room: string | undefined) => options.rooms === undefined || options.rooms.includes(room ?? '');
  return mergeMap((output: ChatOutput) => {
    if (output.kind !== 'deliver' || output.message.type !== 'said') return of(output);
    const { text, room } = output.message;
    if (text !== '!ping' || !answersIn(room)) return of(output);
    const pong: ChatOutput = {
      kind: 'deliver',
      to: output.to,
      message: { type: 'said', name, text: 'pong', ...(room === undefined ? {} : { room }) },
      at: output.at,
    };
    return of(output, pong);
  });
}
