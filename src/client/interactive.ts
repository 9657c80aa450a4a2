import { createInterface } from 'node:readline';
import type { ReconnectingConnection } from './reconnecting-connection';
import { printAbovePrompt } from './prompt-printer';
import { styleLine } from './line-style';
import { roomPrompt } from './room-prompt';
import { INITIAL_ROOM_STATE, type RoomState, trackReceived, trackSent } from './room-tracker';
import { SessionKeeper } from './session-keeper';

export interface InteractiveOptions {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  readonly connection: ReconnectingConnection;
  /** Draw a prompt and redraw it around incoming lines (input and output are a terminal). */
  readonly terminal: boolean;
  readonly colour: boolean;
  /** "host:port", for the notices. */
  readonly label: string;
  /** What the prompt ends with; the current room, unless it is the default room, comes before it. Default `> `. */
  readonly prompt?: string;
  /**
   * Keep a session and resume it on each reconnect: the same name, rooms and the lines missed
   * meanwhile. Default: when the connection reconnects.
   */
  readonly resume?: boolean;
}

/**
 * The terminal client: a prompt for the user's lines, server lines printed above it. Resolves
 * with the exit code once the user leaves (/quit, Ctrl-C, Ctrl-D) or the server goes away for good.
 */
export function runInteractive(options: InteractiveOptions): Promise<number> {
  const { input, output, connection, terminal, colour, label } = options;
  const base = options.prompt ?? '> ';
  const rl = createInterface({ input, output, terminal, prompt: base });
  // The prompt names the current room, as tracked from the lines sent and received.
  let rooms = INITIAL_ROOM_STATE;
  let prompt = base;
  /** The prompt for `next`, when it differs from the one shown. */
  const track = (next: RoomState): string | undefined => {
    rooms = next;
    const nextPrompt = roomPrompt(rooms, colour, base);
    if (nextPrompt === prompt) return undefined;
    prompt = nextPrompt;
    return prompt;
  };
  const print = (line: string, newPrompt?: string) => printAbovePrompt(rl, output, line, terminal, newPrompt);
  // Local notices look like the server's own, so that they are styled alike.
  const notice = (text: string, newPrompt?: string) => print(styleLine(`[*] ${text}`, colour), newPrompt);
  const problem = (text: string) => print(styleLine(`[!] ${text}`, colour));
  const keeper = (options.resume ?? connection.willReconnect) ? new SessionKeeper() : undefined;
  /** While a resume is answered: the new connection's rooms, and those before the drop (the session's). */
  let resuming: { rooms: RoomState; beforeDrop: RoomState } | undefined;

  /** A server line: shown unless it is the answer to our own /session; the rooms follow it. */
  const receive = (received: string) => {
    const verdict = keeper?.receive(received) ?? { show: true };
    const text = verdict.text ?? received;
    if (verdict.send !== undefined) connection.send(verdict.send);
    for (const line of verdict.release ?? []) print(styleLine(line, colour));
    let newPrompt: string | undefined;
    if (resuming !== undefined) {
      resuming.rooms = trackReceived(resuming.rooms, text, resuming.beforeDrop);
      if (keeper?.isResuming !== true) {
        newPrompt = track(resuming.rooms);
        resuming = undefined;
      }
    } else {
      newPrompt = track(trackReceived(rooms, text));
    }
    if (verdict.show) print(styleLine(text, colour), newPrompt);
    else if (newPrompt !== undefined) rl.setPrompt(newPrompt);
  };

  return new Promise<number>((resolve) => {
    let finished = false;
    const finish = (code: number, quitLine?: string) => {
      if (finished) return;
      finished = true;
      subscription.unsubscribe();
      if (quitLine !== undefined) connection.send(quitLine);
      rl.close();
      // A fresh line, so that the shell prompt does not start after ours.
      if (terminal) output.write('\n');
      void connection.close().then(() => resolve(code));
    };

    const subscription = connection.events$.subscribe({
      next: (event) => {
        switch (event.type) {
          case 'line':
            return receive(event.text);
          case 'lost':
            return event.retryInMs === undefined
              ? problem(`disconnected from ${label}: ${event.reason}`)
              : problem(`disconnected from ${label}: ${event.reason}; reconnecting in ${seconds(event.retryInMs)}`);
          case 'retry-failed':
            return problem(
              `reconnect attempt ${event.attempt} failed: ${event.reason}; next in ${seconds(event.retryInMs)}`,
            );
          case 'reconnected': {
            // First of all, before any line the user types: take the session back, if there is one.
            const resume = keeper?.resumeLine(rooms.defaultRoom);
            if (resume !== undefined) {
              connection.send(resume);
              resuming = { rooms: INITIAL_ROOM_STATE, beforeDrop: rooms };
            }
            // Back in the default room only, until the session's rooms are back.
            return notice(`reconnected to ${label}`, track(INITIAL_ROOM_STATE));
          }
        }
      },
      // Completes only when the server went away and reconnecting is off.
      complete: () => finish(1),
    });

    rl.on('line', (line) => {
      if (/^\/quit(\s|$)/.test(line)) return finish(0, line);
      if (line !== '') {
        if (connection.send(line)) {
          const newPrompt = track(trackSent(rooms, line));
          if (newPrompt !== undefined) rl.setPrompt(newPrompt);
        } else {
          problem('not connected: your line was not sent');
        }
      }
      rl.prompt();
    });
    // Ctrl-C in raw mode comes to readline, not as a signal; Ctrl-D on an empty line closes it.
    rl.on('SIGINT', () => finish(0, '/quit'));
    rl.on('close', () => finish(0, '/quit'));
    rl.prompt();
  });
}

function seconds(ms: number): string {
  return ms < 1_000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}
