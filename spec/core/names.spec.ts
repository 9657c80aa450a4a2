import { NAME_MAX_LENGTH, cleanName, foldName, isValidName, nameKey, pickName, uniqueName } from '../../src/core/names';

/** A name source that hands out `names` in order, then repeats the last one. */
function source(...names: string[]): () => string {
  let next = 0;
  return () => names[Math.min(next++, names.length - 1)]!;
}

const takenBy = (...names: string[]) => new Set(names.map(nameKey));

describe('names', () => {
  describe('isValidName', () => {
    it.each(['a', 'alice', 'Bob_42', 'dot.name', 'dash-name', 'x'.repeat(32)])('accepts %j', (name) => {
      expect(isValidName(name)).toBe(true);
    });

    it.each(['', 'x'.repeat(33), 'with space', 'émile', "o'brien", 'tab\tname', 'new\nline', 'semi;colon'])(
      'rejects %j',
      (name) => {
        expect(isValidName(name)).toBe(false);
      },
    );
  });

  describe('cleanName', () => {
    it('keeps a name that already follows the rules', () => {
      expect(cleanName('Alice_99.x-y')).toBe('Alice_99.x-y');
    });

    it('drops every character outside A-Z a-z 0-9 . _ -', () => {
      expect(cleanName("O'Brien Smith!")).toBe('OBrienSmith');
    });

    it('turns accented letters into their base letter rather than dropping them', () => {
      expect(cleanName('Zoë Ünal')).toBe('ZoeUnal');
    });

    it(`cuts a long name to ${NAME_MAX_LENGTH} characters`, () => {
      expect(cleanName('a'.repeat(50))).toBe('a'.repeat(NAME_MAX_LENGTH));
    });

    it('falls back to "guest" when nothing is left', () => {
      expect(cleanName('')).toBe('guest');
      expect(cleanName('日本語 !!!')).toBe('guest');
    });

    it.each(["Zoë O'Brien", '   ', 'x'.repeat(100), 'ａｂｃ', '🙂smile', 'a\u0000b'])(
      'always yields a valid name from %j',
      (raw) => {
        expect(isValidName(cleanName(raw))).toBe(true);
      },
    );
  });

  describe('nameKey', () => {
    it('compares names case-insensitively', () => {
      expect(nameKey('Alice')).toBe(nameKey('aLICE'));
      expect(nameKey('alice')).not.toBe(nameKey('alice2'));
    });

    it.each([
      ['alice', 'aIice'],
      ['alice', 'a1ice'],
      ['alice', 'al1ce'],
      ['alice', 'ALlCE'],
      ['bob', 'b0b'],
      ['Bob', '8OB'],
      ['sam', '5AM'],
      ['zed', '2ED'],
      ['mary', 'rnary'],
      ['will', 'vvill'],
      ['dave', 'clave'],
      ['dave', 'c1ave'],
    ])('counts %j and %j as the same name (they look alike)', (a, b) => {
      expect(nameKey(a)).toBe(nameKey(b));
    });

    it.each([
      ['a_b', 'a-b'],
      ['a.b', 'a_b'],
      ['a.b', 'ab'],
      ['alice', 'alice2'],
      ['ann', 'am'],
      ['uv', 'w'],
      ['sam3', 'same'],
    ])('keeps %j and %j apart', (a, b) => {
      expect(nameKey(a)).not.toBe(nameKey(b));
    });

    it('folds only case for exact lookups (foldName)', () => {
      expect(foldName('ALice')).toBe('alice');
      expect(foldName('a1ice')).not.toBe(foldName('alice'));
    });
  });

  describe('pickName', () => {
    it('takes the first candidate that is free, cleaned', () => {
      expect(pickName(['alice', 'bob'], takenBy())).toBe('alice');
      expect(pickName(["Zoë O'Brien", 'bob'], takenBy())).toBe('ZoeOBrien');
      expect(pickName(['ALICE', 'a1ice', 'bob', 'carol'], takenBy('alice'))).toBe('bob');
    });

    it('numbers the last candidate when every one is taken', () => {
      expect(pickName(['alice', 'bob'], takenBy('alice', 'bob'))).toBe('bob2');
      expect(pickName(['alice', 'bob'], takenBy('alice', 'bob', 'BOB2', 'b0b3'))).toBe('bob4');
    });

    it('gives "guest", then numbered guests, when there are no candidates', () => {
      expect(pickName([], takenBy())).toBe('guest');
      expect(pickName([], takenBy('guest'))).toBe('guest2');
      expect(pickName([], takenBy('guest', 'guest2'))).toBe('guest3');
    });

    it('is deterministic: the same candidates and names taken give the same name', () => {
      const taken = takenBy('alice', 'alice2');
      expect(pickName(['a1ice'], taken)).toBe(pickName(['a1ice'], taken));
      expect(pickName(['a1ice'], taken)).toBe('a1ice3');
    });
  });

  describe('uniqueName', () => {
    it('returns the first draw when it is free', () => {
      expect(uniqueName(source('alice', 'bob'), takenBy())).toBe('alice');
    });

    it('returns the draw cleaned', () => {
      expect(uniqueName(source('Zoë Ünal'), takenBy())).toBe('ZoeUnal');
    });

    it('draws again when a name is taken, whatever its case', () => {
      expect(uniqueName(source('ALICE', 'bob'), takenBy('alice'))).toBe('bob');
    });

    it('numbers the name when the source keeps repeating a taken one, and always terminates', () => {
      expect(uniqueName(source('sam'), takenBy('sam'))).toBe('sam2');
      expect(uniqueName(source('sam'), takenBy('Sam', 'SAM2', 'sam3'))).toBe('sam4');
    });

    it(`keeps a numbered name within ${NAME_MAX_LENGTH} characters`, () => {
      const long = 'n'.repeat(NAME_MAX_LENGTH);
      const name = uniqueName(source(long), takenBy(long));
      expect(name).toHaveLength(NAME_MAX_LENGTH);
      expect(name).toBe(`${'n'.repeat(NAME_MAX_LENGTH - 1)}2`);
      expect(isValidName(name)).toBe(true);
    });

    it('yields many distinct valid names from a source of a single name', () => {
      const taken = new Set<string>();
      for (let i = 0; i < 200; i++) {
        const name = uniqueName(() => 'Echo', taken);
        expect(isValidName(name)).toBe(true);
        expect(taken.has(nameKey(name))).toBe(false);
        taken.add(nameKey(name));
      }
      expect(taken.size).toBe(200);
    });
  });
});
