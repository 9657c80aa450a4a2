import { mergeMap } from 'rxjs';
import type { ChatOperator, PipelineEvent } from 'rxchat';

const ROLL = /^\/roll(?:\s+(\d{1,2})d(\d{1,3}))?$/i;

/**
 * `/roll` or `/roll NdM`: everyone else sees `* alice rolls 2d6: 7`, the roller gets `[*] you rolled 7`.
 * It rewrites the line into events the core already understands: a `/me` command and a notice.
 * Install it before the built-in `commands` parser, which would call `/roll` unknown.
 */
export function diceRoll(random: () => number = Math.random): ChatOperator {
  return mergeMap((event: PipelineEvent): PipelineEvent[] => {
    const match = event.type === 'line' ? ROLL.exec(event.text.trim()) : null;
    if (event.type !== 'line' || match === null) return [event];
    const dice = Number(match[1] ?? 1);
    const sides = Number(match[2] ?? 6);
    if (dice < 1 || sides < 2) {
      return [{ type: 'notice', id: event.id, notice: { code: 'usage', usage: '/roll [NdM], N >= 1, M >= 2' } }];
    }
    let total = 0;
    for (let i = 0; i < dice; i++) total += 1 + Math.floor(random() * sides);
    return [
      { type: 'command', id: event.id, command: { name: 'me', action: `rolls ${dice}d${sides}: ${total}` } },
      { type: 'notice', id: event.id, notice: { code: 'text', level: 'info', text: `you rolled ${total}` } },
    ];
  });
}
