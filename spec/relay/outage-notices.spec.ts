import type { ClientId, Notice } from '../../src/core/events';
import { OutageNotices } from '../../src/relay/outage-notices';
import { RELAY_NOTICES } from '../../src/relay/relay-notices';

describe('OutageNotices', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function setup(audience: ClientId[] = ['a', 'b']) {
    const heard: [ClientId, Notice][] = [];
    let ongoing = true;
    const notices = new OutageNotices({
      delayMs: 1_000,
      ongoing: () => ongoing,
      audience: () => audience,
      tell: (id, notice) => heard.push([id, notice]),
    });
    return { notices, heard, end: () => (ongoing = false) };
  }

  it('says nothing of a blip shorter than the delay', () => {
    const { notices, heard } = setup();
    notices.began();
    jest.advanceTimersByTime(600);
    notices.began(); // down again within the same blip
    jest.advanceTimersByTime(399);
    notices.over();
    jest.advanceTimersByTime(10_000);
    expect(heard).toEqual([]);
  });

  it('tells each client once, after the delay, however often the relay goes down meanwhile', () => {
    const { notices, heard } = setup(['a', 'b', 'a']);
    notices.began();
    jest.advanceTimersByTime(600);
    notices.began(); // a second failure does not restart the delay
    jest.advanceTimersByTime(400);
    expect(heard).toEqual([
      ['a', RELAY_NOTICES.unavailable],
      ['b', RELAY_NOTICES.unavailable],
    ]);
  });

  it('tells a newcomer held after the announcement at once, and one held before it with the others', () => {
    const { notices, heard } = setup(['a']);
    notices.began();
    notices.held('early');
    expect(heard).toEqual([]);
    jest.advanceTimersByTime(1_000);
    notices.held('late');
    expect(heard.map(([id]) => id)).toEqual(['a', 'late']);
  });

  it('tells whoever was told that the relay is back, and only them', () => {
    const { notices, heard } = setup(['a', 'b']);
    notices.began();
    jest.advanceTimersByTime(1_000);
    notices.held('c');
    heard.length = 0;
    notices.over();
    expect(heard).toEqual([
      ['a', RELAY_NOTICES.back],
      ['b', RELAY_NOTICES.back],
      ['c', RELAY_NOTICES.back],
    ]);
    heard.length = 0;
    notices.over();
    notices.held('d');
    expect(heard).toEqual([]);
  });

  it('says nothing if the outage is over when the delay is up', () => {
    const { notices, heard, end } = setup();
    notices.began();
    end();
    jest.advanceTimersByTime(1_000);
    expect(heard).toEqual([]);
  });
});
