import { Histogram, bucketOf, upperBound } from '../../bench/load/histogram';
import { LineScanner } from '../../bench/load/line-scanner';
import { KIND_MEASURE, type Stamp, stampText } from '../../bench/load/stamp';
import { spread } from '../../bench/load/stats';

describe('bench helpers', () => {
  it('histogram percentiles are exact below 64 µs and within 2% above', () => {
    const h = new Histogram();
    for (let v = 1; v <= 100; v++) h.record(v);
    expect(h.percentile(0.5)).toBe(50);
    expect(h.percentile(1)).toBe(100);
    for (const v of [100, 1_234, 98_765, 5_000_000]) {
      expect(upperBound(bucketOf(v))).toBeGreaterThanOrEqual(v);
      expect(upperBound(bucketOf(v))).toBeLessThanOrEqual(v * 1.02);
    }
  });

  it('spread gives median, min and max', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 2, 3])).toEqual({ median: 2.5, min: 1, max: 4 });
  });

  it('finds stamps in chat lines split anywhere across reads, and skips other lines', () => {
    const lines = [
      'someone joined the chat',
      `alice: hello ${stampText(KIND_MEASURE, 7, 42, 123_456)}`,
      `bob: x ${stampText(KIND_MEASURE, 3, 9, 77)}`,
    ];
    const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(''));
    for (let cut = 1; cut < bytes.length; cut++) {
      const scanner = new LineScanner();
      const seen: Stamp[] = [];
      const onStamp = (s: Stamp) => seen.push({ ...s });
      scanner.scan(bytes.subarray(0, cut), onStamp);
      scanner.scan(bytes.subarray(cut), onStamp);
      expect(scanner.lines).toBe(3);
      expect(seen).toEqual([
        { kind: KIND_MEASURE, sender: 7, seq: 42, micros: 123_456 },
        { kind: KIND_MEASURE, sender: 3, seq: 9, micros: 77 },
      ]);
    }
  });
});
