import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVER_USAGE } from '../src/cli/server-args';

const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const codeBlocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);

describe('README', () => {
  it('shows the /roll example operator exactly as the tested file has it', () => {
    const source = readFileSync(join(root, 'spec/examples/dice-roll.ts'), 'utf8');
    expect(codeBlocks).toContain(source);
  });

  it('shows the two quick-start commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
  });

  it('lists every flag the server accepts', () => {
    const flags = [...SERVER_USAGE.matchAll(/--[a-z-]+/g)].map((match) => match[0]);
    expect(flags.length).toBeGreaterThan(5);
    for (const flag of flags) expect(readme).toContain(flag);
  });
});
