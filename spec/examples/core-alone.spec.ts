import { readFileSync } from 'node:fs';
import { join } from 'node:path';

describe('the README example of the core alone', () => {
  it('is shown exactly as the tested file has it', () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    expect(readme).toContain(`\`\`\`ts\n${readFileSync(join(__dirname, 'core-alone.ts'), 'utf8')}\`\`\``);
  });

  it('prints what its comment says: a log entry, the welcome, the join', () => {
    const printed: unknown[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((output: unknown) => void printed.push(output));
    try {
      // The example runs on import, so it is loaded afresh here, inside the spy.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      jest.isolateModules(() => require('./core-alone'));
    } finally {
      log.mockRestore();
    }
    expect(printed).toEqual([
      expect.objectContaining({ kind: 'log' }),
      expect.objectContaining({ kind: 'deliver', to: ['1'], message: { type: 'welcome', name: 'alice' } }),
      expect.objectContaining({
        kind: 'deliver',
        to: ['1'],
        message: { type: 'joined', name: 'alice', room: '#lobby' },
      }),
    ]);
  });
});
