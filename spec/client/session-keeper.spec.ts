import { SessionKeeper } from '../../src/client/session-keeper';

const WELCOME = '[*] Welcome, alice! Type /help for commands.';
const SESSION = '[*] session T0K3N (reconnect within 120 s and send /resume T0K3N first)';

describe('SessionKeeper', () => {
  it('asks for a session after a welcome, hides the answer and resumes with its token', () => {
    const keeper = new SessionKeeper();
    expect(keeper.resumeLine()).toBeUndefined();
    expect(keeper.receive(WELCOME)).toEqual({ show: true, send: '/session ids' });
    expect(keeper.receive('alice joined the chat')).toEqual({ show: true });
    expect(keeper.receive(SESSION)).toEqual({ show: false });
    expect(keeper.hasSession).toBe(true);

    expect(keeper.resumeLine()).toBe('/resume T0K3N all ids');
    expect(keeper.isResuming).toBe(true);
    // The new connection's welcome comes before the answer to /resume: no second session.
    expect(keeper.receive('[*] Welcome, eve! Type /help for commands.')).toEqual({ show: true });
    // Its scrollback is held back: with `all`, the server replays it in order after what came before.
    expect(keeper.receive('[#rust] [history 2026-12-05 23:10:02 UTC] bob: hi')).toEqual({ show: false });
    // And so is a live chat line said before the resume is answered (the replay covers it too), but not a join.
    expect(keeper.receive('bob: said meanwhile')).toEqual({ show: false });
    expect(keeper.receive('[#rust] * bob waves meanwhile')).toEqual({ show: false });
    expect(keeper.receive('eve joined the chat')).toEqual({ show: true });
    expect(keeper.receive('[*] resumed as alice in #lobby')).toEqual({ show: true });
    expect(keeper.isResuming).toBe(false);
    expect(keeper.resumeLine()).toBe('/resume T0K3N all ids');
  });

  it('carries on as a new connection when the resume is refused, with a new session', () => {
    const keeper = new SessionKeeper();
    keeper.receive(WELCOME);
    keeper.receive(SESSION);
    keeper.resumeLine();
    expect(keeper.receive('[*] Welcome, eve! Type /help for commands.')).toEqual({ show: true });
    expect(keeper.receive('[history 2026-12-05 23:10:02 UTC] bob: held back')).toEqual({ show: false });
    // Refused: the scrollback held back is shown after all.
    expect(keeper.receive('[!] cannot resume: no such session (unknown, expired or ended)')).toEqual({
      show: true,
      send: '/session ids',
      release: ['[history 2026-12-05 23:10:02 UTC] bob: held back'],
    });
    expect(keeper.hasSession).toBe(false);
    expect(keeper.receive('[*] session N3W (reconnect within 120 s and send /resume N3W first)')).toEqual({
      show: false,
    });
    expect(keeper.resumeLine()).toBe('/resume N3W all ids');
  });

  it('shows a session line the user asked for, and stops asking a server without sessions', () => {
    const keeper = new SessionKeeper();
    expect(keeper.receive(SESSION)).toEqual({ show: true });
    const old = new SessionKeeper();
    old.receive(WELCOME);
    expect(old.receive('[!] unknown command: /session (try /help)')).toEqual({ show: false });
    expect(old.receive('[!] unknown command: /session (try /help)')).toEqual({ show: true });
    expect(old.receive(WELCOME)).toEqual({ show: true });
    expect(old.resumeLine()).toBeUndefined();
  });

  it('takes the ids off the lines it shows and resumes from the last id it got in each room', () => {
    const keeper = new SessionKeeper();
    keeper.receive(WELCOME);
    keeper.receive(SESSION);
    expect(keeper.receive('@id=7 bob: hi')).toEqual({ show: true, text: 'bob: hi' });
    expect(keeper.receive('@id=3 [#rust] * bob waves')).toEqual({ show: true, text: '[#rust] * bob waves' });
    // An older page of history does not move the mark back.
    expect(keeper.receive('@id=2 [history 2026-12-05 23:10:02 UTC] bob: old')).toMatchObject({ show: true });
    expect(keeper.resumeLine('#lobby')).toBe('/resume T0K3N all ids #lobby=7 #rust=3');
    // Held back while resuming, ids and all.
    expect(keeper.receive('@id=8 [history 2026-12-05 23:10:09 UTC] bob: again')).toMatchObject({ show: false });
  });
});
