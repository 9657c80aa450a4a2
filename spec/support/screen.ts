/**
 * Just enough of a VT100 to replay what readline writes (text, CR, LF, cursor moves, erases;
 * colours ignored) and look at the screen a user would see. Lines wrap at `columns`.
 */
export class Screen {
  private rows: string[][] = [[]];
  private row = 0;
  private col = 0;

  constructor(private readonly columns: number) {}

  write(data: string): void {
    for (let i = 0; i < data.length; i++) {
      const c = data[i]!;
      if (c === '\x1b' && data[i + 1] === '[') {
        const m = /^\x1b\[([0-9;]*)([A-Za-z])/.exec(data.slice(i));
        if (m === null) throw new Error(`unsupported escape at ${JSON.stringify(data.slice(i, i + 8))}`);
        this.csi(m[2]!, m[1] === '' ? [] : m[1]!.split(';').map(Number));
        i += m[0].length - 1;
      } else if (c === '\r') {
        this.col = 0;
      } else if (c === '\n') {
        // A terminal's output processing (ONLCR) turns LF into CR LF.
        this.col = 0;
        this.moveTo(this.row + 1);
      } else if (c >= ' ') {
        if (this.col >= this.columns) {
          this.col = 0;
          this.moveTo(this.row + 1);
        }
        const line = this.rows[this.row]!;
        while (line.length < this.col) line.push(' ');
        line[this.col++] = c;
      }
    }
  }

  /** The visible lines, right-trimmed, without trailing empty lines. */
  lines(): string[] {
    const lines = this.rows.map((r) => r.join('').trimEnd());
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines;
  }

  cursor(): { row: number; col: number } {
    return { row: this.row, col: this.col };
  }

  private moveTo(row: number): void {
    this.row = Math.max(0, row);
    while (this.rows.length <= this.row) this.rows.push([]);
  }

  private csi(final: string, params: number[]): void {
    const n = params[0] ?? 0;
    switch (final) {
      case 'A':
        return this.moveTo(this.row - (n || 1));
      case 'B':
        return this.moveTo(this.row + (n || 1));
      case 'C':
        this.col = Math.min(this.columns, this.col + (n || 1));
        return;
      case 'D':
        this.col = Math.max(0, this.col - (n || 1));
        return;
      case 'G':
        this.col = Math.max(0, (n || 1) - 1);
        return;
      case 'K': {
        const line = this.rows[this.row]!;
        if (n === 0) line.length = Math.min(line.length, this.col);
        else if (n === 1) for (let x = 0; x <= this.col && x < line.length; x++) line[x] = ' ';
        else line.length = 0;
        return;
      }
      case 'J':
        if (n !== 0) throw new Error(`unsupported erase CSI ${n}J`);
        this.rows[this.row]!.length = Math.min(this.rows[this.row]!.length, this.col);
        this.rows.length = this.row + 1;
        return;
      case 'm':
        return;
      default:
        throw new Error(`unsupported CSI ${params.join(';')}${final}`);
    }
  }
}
