import { PassThrough, Writable } from 'node:stream';
import { Screen } from './screen';

/** Streams that readline takes for a terminal, with a Screen replaying what was drawn. */
export function fakeTerminal(columns = 80) {
  const input = Object.assign(new PassThrough(), { isTTY: true });
  const screen = new Screen(columns);
  const output = Object.assign(
    new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        screen.write(chunk.toString());
        callback();
      },
    }),
    { isTTY: true, columns, rows: 24 },
  );
  return {
    input,
    output,
    screen,
    /** Keystrokes, as a terminal in raw mode sends them (Enter is CR). */
    type: (keys: string) => void input.write(keys),
  };
}
