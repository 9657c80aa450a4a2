/**
 * The terminal client's half of lossless reconnects (issue 16), on the text protocol: ask for a
 * session with ids after each new welcome (`/session ids`: the server then puts `@id=N ` before each
 * chat line, which this strips), keep its token out of sight, and send
 * `/resume TOKEN all ids #room=ID ...` first on every reconnect, naming per room the last message it
 * got: what was lost in flight when the connection dropped is replayed too. The chat lines a new
 * connection gets before its /resume is answered (its scrollback, and live lines said meanwhile)
 * are held back: `all` asks the server to replay everything this connection was sent before the
 * resume, in order after the older ones, so the missed lines show once and in order; they are shown
 * after all if the resume is refused.
 */

const WELCOME = /^\[\*\] Welcome, \S+! /;
/** `[*] session TOKEN (reconnect within N s and send /resume TOKEN first)`. */
const SESSION = /^\[\*\] session (\S+) \(reconnect within \d+ s and send \/resume \S+ first\)$/;
const RESUMED = /^\[\*\] resumed as \S+ in /;
const CANNOT_RESUME = /^\[!\] cannot resume: /;
/**
 * A chat line of a room, live (`name: text`, `* name text`) or history, with its room's prefix if
 * any: what `/resume ... all` replays, so it is held back until the resume is answered.
 */
const CHAT = /^(\[#[^\]\s]+\] )?(\[history |[A-Za-z0-9._-]{1,32}: |\* [A-Za-z0-9._-]{1,32} )/;
/** What a server without sessions answers to /session. */
const NO_SESSIONS = /^\[!\] (unknown command: \/session \(try \/help\)|sessions are not available on this server)$/;

/** What to do with a server line. */
export interface SessionVerdict {
  /** False for the answer to the client's own /session: the user did not ask for it. */
  readonly show: boolean;
  /** A line to send now (a /session after a new welcome), if any. */
  readonly send?: string;
  /** Lines held back earlier, to show before this one. */
  readonly release?: readonly string[];
  /** The line to show and track instead of the one received (its `@id=N ` taken off). */
  readonly text?: string;
}

/** `@id=42 ` before a chat line of a client that asked for ids. */
const TAGGED = /^@id=(\d{1,15}) /;
/** `[#rust] ` before a line about a room other than the default one. */
const ROOM_PREFIX = /^\[(#[^\]\s]+)\] /;
/** The key of the default room's lines (unprefixed) in `lastIds`. */
const DEFAULT_KEY = '';

/** Follows the server's lines on one reconnecting connection and keeps a session for it. */
export class SessionKeeper {
  private token: string | undefined;
  /** A /session was sent and its answer not yet seen. */
  private asked = false;
  /** A /resume was sent on this connection and its answer not yet seen. */
  private resuming = false;
  /** The server has no sessions: never ask again. */
  private unsupported = false;
  /** Scrollback received while a resume is answered: dropped if it resumes (replayed), shown if not. */
  private held: string[] = [];
  /** Per room (DEFAULT_KEY for the default room), the highest message id received. */
  private readonly lastIds = new Map<string, number>();

  /** True while a token is kept (the next reconnect resumes with it). */
  get hasSession(): boolean {
    return this.token !== undefined;
  }

  /** True between a `/resume` sent and the server's answer to it. */
  get isResuming(): boolean {
    return this.resuming;
  }

  /**
   * The first line for a fresh connection: `/resume TOKEN all ids #room=ID ...` when a session is
   * kept, else nothing. `defaultRoom` names the default room's ids (left out when unknown).
   */
  resumeLine(defaultRoom?: string): string | undefined {
    this.asked = false;
    if (this.token === undefined) return undefined;
    this.resuming = true;
    this.held = [];
    const pairs: string[] = [];
    for (const [room, id] of this.lastIds) {
      const name = room === DEFAULT_KEY ? defaultRoom : room;
      if (name !== undefined) pairs.push(`${name}=${id}`);
    }
    return [`/resume ${this.token} all ids`, ...pairs].join(' ');
  }

  /** Reads one server line: whether to show it (and as what), and what to send in answer. */
  receive(received: string): SessionVerdict {
    const tagged = TAGGED.exec(received);
    if (tagged === null) return this.read(received);
    const line = received.slice(tagged[0].length);
    const room = ROOM_PREFIX.exec(line)?.[1] ?? DEFAULT_KEY;
    const id = Number(tagged[1]);
    if (id > (this.lastIds.get(room) ?? 0)) this.lastIds.set(room, id);
    return { ...this.read(line), text: line };
  }

  private read(line: string): SessionVerdict {
    if (WELCOME.test(line)) {
      // A resumed connection keeps its session: no new one until the resume is refused.
      return this.resuming || this.unsupported ? { show: true } : this.ask();
    }
    const session = SESSION.exec(line);
    if (session) {
      // The user may have asked too: the token is kept either way, the line hidden only if it was ours.
      this.token = session[1]!;
      const show = !this.asked;
      this.asked = false;
      return { show };
    }
    if (this.asked && NO_SESSIONS.test(line)) {
      this.asked = false;
      this.unsupported = true;
      return { show: false };
    }
    if (this.resuming && RESUMED.test(line)) {
      this.resuming = false;
      this.held = [];
      return { show: true };
    }
    if (this.resuming && CANNOT_RESUME.test(line)) {
      // An ordinary new connection from here on, with a session of its own.
      this.resuming = false;
      this.token = undefined;
      // Ids of another chat's history (a server restarted without its store) mean nothing here.
      this.lastIds.clear();
      const release = this.held;
      this.held = [];
      return { ...this.ask(), release };
    }
    if (this.resuming && CHAT.test(line)) {
      this.held.push(line);
      return { show: false };
    }
    return { show: true };
  }

  private ask(): SessionVerdict {
    this.asked = true;
    return { show: true, send: '/session ids' };
  }
}
