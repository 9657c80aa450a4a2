import { GoneReports } from '../../src/relay/gone-reports';

describe('GoneReports', () => {
  it('reports nobody during the grace period after a (re)sync', () => {
    const reports = new GoneReports('me');
    expect(reports.inGrace(0)).toBe(false);
    reports.restart(1_000, 500);
    expect(reports.inGrace(1_499)).toBe(true);
    expect(reports.inGrace(1_500)).toBe(false);
  });

  it('reports each other process once, never itself', () => {
    const reports = new GoneReports('me');
    expect(reports.toReport(['a', 'me', 'b'])).toEqual(['a', 'b']);
    expect(reports.toReport(['a', 'b', 'c'])).toEqual(['c']);
  });

  it('reports a process again once its report landed or was refused, or after a resync', () => {
    const reports = new GoneReports('me');
    reports.toReport(['a', 'b']);
    reports.forget('a');
    expect(reports.toReport(['a', 'b'])).toEqual(['a']);
    reports.restart(0, 0);
    expect(reports.toReport(['a', 'b'])).toEqual(['a', 'b']);
  });
});
