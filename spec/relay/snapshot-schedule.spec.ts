import { SnapshotSchedule } from '../../src/relay/snapshot-schedule';

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
