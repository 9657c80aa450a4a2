import { type Interface, clearScreenDown, cursorTo, moveCursor } from 'node:readline';

/**
 * Prints a line above the readline prompt, leaving what the user is typing intact: erase the
 * prompt block (it may wrap over several rows), print the line, then let readline redraw the
 * prompt with the half-typed text and the cursor where they were. With `prompt`, the redrawn
 * prompt is that one (set only after the old one is erased: its width says how many rows to erase).
 */
export function printAbovePrompt(
  rl: Interface,
  output: NodeJS.WritableStream,
  line: string,
  terminal: boolean,
  prompt?: string,
): void {
  if (!terminal) {
    output.write(`${line}\n`);
    if (prompt !== undefined) rl.setPrompt(prompt);
    return;
  }
  const { rows } = rl.getCursorPos();
  moveCursor(output, 0, -rows);
  cursorTo(output, 0);
  clearScreenDown(output);
  // readline's redraw starts by moving up `prevRows` (the cursor's row at its last redraw, which
  // pasted text can leave behind the real one): blank rows give it room, so that it lands just
  // below the printed line instead of erasing it. prevRows is not in the typings.
  const prevRows = (rl as unknown as { prevRows?: unknown }).prevRows;
  const redrawRows = typeof prevRows === 'number' ? prevRows : rows;
  output.write(`${line}\n${'\n'.repeat(redrawRows)}`);
  if (prompt !== undefined) rl.setPrompt(prompt);
  rl.prompt(true);
}
