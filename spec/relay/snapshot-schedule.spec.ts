import { MAX_ENTRIES_FACTOR, SnapshotSchedule } from '../../src/relay/snapshot-schedule';

describe('SnapshotSchedule', () => {
  it('offers one every `everyEntries` entries', () => {
    const schedule = new SnapshotSchedule(10, 5_000);
    schedule.restart(100, 0);
    expect(schedule.due(109, 1)).toBe(false);
    expect(schedule.due(110, 1)).toBe(true);
  });

  it('offers one after `everyMs` only if there is news', () => {
    const schedule = new SnapshotSchedule(10, 5_000);
    schedule.restart(100, 0);
    expect(schedule.due(100, 60_000)).toBe(false);
    expect(schedule.due(101, 4_999)).toBe(false);
    expect(schedule.due(101, 5_000)).toBe(true);
  });

  it('makes one offer at a time, and counts from the last offer', () => {
    const schedule = new SnapshotSchedule(10, 5_000);
    schedule.offered(10, 0);
    expect(schedule.due(100, 100_000)).toBe(false);
    schedule.done();
    expect(schedule.due(19, 1)).toBe(false);
    expect(schedule.due(20, 1)).toBe(true);
  });

  it("counts from another process's snapshot when ours was skipped for it", () => {
    const schedule = new SnapshotSchedule(10, 5_000);
    schedule.offered(10, 0);
    schedule.skipped(15);
    schedule.skipped(12);
    schedule.done();
    expect(schedule.due(24, 1)).toBe(false);
    expect(schedule.due(25, 1)).toBe(true);
  });
});

describe('SnapshotSchedule: the cost of snapshots follows the stream, and the processes with clients', () => {
  it('waits until the stream since the last snapshot is as big as the snapshot', () => {
    const schedule = new SnapshotSchedule(10, 5_000);
    schedule.restart(0, 0, 1_000);
    for (let n = 1; n <= 19; n++) schedule.read(n, 50);
    expect(schedule.due(19, 60_000)).toBe(false); // 950 characters of stream for 1,000 of snapshot
    schedule.read(20, 50);
    expect(schedule.due(20, 1)).toBe(true);
  });

  it(`however small the stream, is due ${MAX_ENTRIES_FACTOR} times \`everyEntries\` after the last one`, () => {
    const schedule = new SnapshotSchedule(10, 5_000);
    schedule.restart(0, 0, 1_000_000);
    const last = 10 * MAX_ENTRIES_FACTOR;
    for (let n = 1; n < last; n++) schedule.read(n, 1);
    expect(schedule.due(last - 1, 60_000)).toBe(false);
    schedule.read(last, 1);
    expect(schedule.due(last, 1)).toBe(true);
  });

  it("waits at most a quarter of the stream's cap, so the cap never trims past the latest snapshot", () => {
    const schedule = new SnapshotSchedule(10, 5_000, 200);
    schedule.restart(0, 0, 1_000_000);
    for (let n = 1; n < 50; n++) schedule.read(n, 1);
    expect(schedule.due(49, 60_000)).toBe(false);
    schedule.read(50, 1);
    expect(schedule.due(50, 1)).toBe(true);
  });

  it('never waits less than `everyEntries` for the size rule, however small the cap', () => {
    const schedule = new SnapshotSchedule(10, 5_000, 20);
    schedule.restart(0, 0, 1_000_000);
    for (let n = 1; n < 10; n++) schedule.read(n, 1);
    expect(schedule.due(9, 60_000)).toBe(false);
    schedule.read(10, 1);
    expect(schedule.due(10, 1)).toBe(true);
  });

  it('lets a process holding few of the clients wait up to half as long again', () => {
    const holding = (share: number) => {
      const schedule = new SnapshotSchedule(10, 5_000);
      schedule.restart(0, 0);
      return (n: number, now: number) => schedule.due(n, now, () => share);
    };
    expect(holding(1)(10, 1)).toBe(true);
    expect(holding(0.5)(10, 1)).toBe(false);
    expect(holding(0.5)(13, 1)).toBe(true);
    expect(holding(0)(14, 1)).toBe(false);
    expect(holding(0)(15, 1)).toBe(true);
    expect(holding(0)(1, 7_499)).toBe(false);
    expect(holding(0)(1, 7_500)).toBe(true);
  });

  it('asks for the share only when the rest says yes', () => {
    const schedule = new SnapshotSchedule(10, 5_000);
    schedule.restart(0, 0);
    const share = jest.fn(() => 1);
    expect(schedule.due(9, 1, share)).toBe(false);
    expect(share).not.toHaveBeenCalled();
  });

  it('counts time from when the stored snapshot was stored, when another process stored it', () => {
    const schedule = new SnapshotSchedule(10, 5_000);
    schedule.offered(10, 1_000);
    schedule.skipped(12, { size: 0, at: 500 });
    schedule.done();
    expect(schedule.due(13, 5_499)).toBe(false);
    expect(schedule.due(13, 5_500)).toBe(true);
  });

  it('counts from its own request when the stored one is older (another is being built), but learns its size', () => {
    const schedule = new SnapshotSchedule(10, 5_000);
    schedule.offered(10, 0);
    schedule.skipped(5, { size: 1_000, at: 0 });
    schedule.done();
    expect(schedule.due(20, 60_000)).toBe(false); // nothing read since: 0 of 1,000
    schedule.read(20, 1_000);
    expect(schedule.due(20, 60_000)).toBe(true);
  });

  it('keeps the part of the stream read after a later snapshot it learns of, in proportion', () => {
    const schedule = new SnapshotSchedule(10, 5_000);
    schedule.restart(0, 0);
    for (let n = 1; n <= 10; n++) schedule.read(n, 100);
    schedule.skipped(5, { size: 600, at: 0 }); // about 500 of the 1,000 came after entry 5
    for (let n = 11; n <= 15; n++) schedule.read(n, 10);
    expect(schedule.due(15, 1)).toBe(false); // 550
    schedule.read(16, 50);
    expect(schedule.due(16, 1)).toBe(true); // 600, 11 entries
  });
});

describe('SnapshotSchedule: the share', () => {
  it('is asked once per snapshot, however many reads come before it is due', () => {
    const schedule = new SnapshotSchedule(10, 5_000);
    schedule.restart(0, 0);
    const share = jest.fn(() => 0);
    for (let n = 10; n < 15; n++) expect(schedule.due(n, 1, share)).toBe(false);
    expect(schedule.due(15, 1, share)).toBe(true);
    expect(share).toHaveBeenCalledTimes(1);
    schedule.offered(15, 1);
    schedule.done();
    expect(schedule.due(25, 2, share)).toBe(false);
    expect(share).toHaveBeenCalledTimes(2);
  });
});
