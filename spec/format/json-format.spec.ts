import { formatJson } from '../../src/format/json-format';

describe('the JSON protocol', () => {
  it('carries the whole /who reply: names, the count of matches and the prefix searched', () => {
    expect(JSON.parse(formatJson({ type: 'who', names: ['alice', 'bob'], count: 2000 }))).toStrictEqual({
      type: 'who',
      names: ['alice', 'bob'],
      count: 2000,
    });
    expect(JSON.parse(formatJson({ type: 'who', names: ['alice'], count: 1, prefix: 'al' }))).toStrictEqual({
      type: 'who',
      names: ['alice'],
      count: 1,
      prefix: 'al',
    });
  });
});
