/** The part of irc-framework (which ships no types) that the specs use. */
declare module 'irc-framework' {
  import { EventEmitter } from 'node:events';

  export interface ConnectOptions {
    host: string;
    port: number;
    nick: string;
    username?: string;
    gecos?: string;
    auto_reconnect?: boolean;
    enable_echomessage?: boolean;
    ping_interval?: number;
  }

  export class Client extends EventEmitter {
    constructor(options?: Partial<ConnectOptions>);
    readonly user: { nick: string };
    readonly connected: boolean;
    connect(options: ConnectOptions): void;
    raw(line: string): void;
    say(target: string, text: string): void;
    action(target: string, text: string): void;
    join(channel: string): void;
    part(channel: string, message?: string): void;
    changeNick(nick: string): void;
    quit(message?: string): void;
  }
}
