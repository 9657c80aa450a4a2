import { Client } from 'irc-framework';
import { HOST, WAIT_MS } from './line-client';
import { waitUntil } from './waiting';

const open = new Set<Client>();

/** Ends every IRC client still connected (afterEach). */
export function quitAllIrcClients(): void {
  for (const client of open) client.quit();
  open.clear();
}

/**
 * A real IRC client (irc-framework) with every line the server sent recorded, to wait for the
 * lines a spec expects: what irssi or WeeChat would get.
 */
export class IrcClient {
  /** Lines from the server, without tags, in order. */
  readonly lines: string[] = [];
  private cursor = 0;
  closed = false;

  private constructor(
    readonly client: Client,
    readonly label: string,
  ) {
    client.on('raw', (event: { line: string; from_server: boolean }) => {
      if (event.from_server) this.lines.push(event.line.replace(/^@\S+ /, '').trimEnd());
    });
    client.on('close', () => (this.closed = true));
    client.on('socket close', () => (this.closed = true));
  }

  /** Connects and registers as `nick`; with `fallback`, a 433 or 432 makes it try that nick instead. */
  static async connect(port: number, nick: string, fallback?: string): Promise<IrcClient> {
    const client = new Client({ auto_reconnect: false });
    open.add(client);
    const irc = new IrcClient(client, nick);
    if (fallback !== undefined) {
      client.once('nick in use', () => client.changeNick(fallback));
      client.once('nick invalid', () => client.changeNick(fallback));
    }
    const registered = new Promise<void>((resolve) => client.once('registered', () => resolve()));
    client.connect({ host: HOST, port, nick, username: nick, gecos: nick, auto_reconnect: false, ping_interval: 0 });
    await waitUntil(
      () => irc.lines.some((line) => / 001 /.test(line)),
      WAIT_MS,
      `${nick}: 001`,
      () => irc.dump(),
    );
    await registered;
    return irc;
  }

  get nick(): string {
    return this.client.user.nick;
  }

  /** Skips lines up to the first that matches, consumes it and returns it. */
  async readUntil(match: RegExp, ms = WAIT_MS): Promise<string> {
    let found: string | undefined;
    await waitUntil(
      () => {
        for (; this.cursor < this.lines.length;) {
          const line = this.lines[this.cursor++]!;
          if (match.test(line)) {
            found = line;
            return true;
          }
        }
        return false;
      },
      ms,
      `${this.label}: a line matching ${String(match)}`,
      () => this.dump(),
    );
    return found!;
  }

  /** Lines not read yet. */
  unread(): string[] {
    return this.lines.slice(this.cursor);
  }

  async waitClosed(ms = WAIT_MS): Promise<void> {
    await waitUntil(
      () => this.closed,
      ms,
      `${this.label}: close`,
      () => this.dump(),
    );
  }

  quit(message?: string): void {
    this.client.quit(message);
    open.delete(this.client);
  }

  dump(): string {
    return `${this.label} received:\n${this.lines.join('\n')}`;
  }
}
