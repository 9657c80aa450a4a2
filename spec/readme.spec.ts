import { existsSync, readFileSync } from 'node:fs';
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

  it('shows the quick start: npm ci once, then npm start and npm test, commands package.json has', () => {
    const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## The protocol'));
    const commands = [...quickStart.matchAll(/^(npm [a-z]+)\b/gm)].map((match) => match[1]);
    expect(commands).toEqual(['npm ci', 'npm start', 'npm test']);
    const scripts = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    // On a fresh clone `npm ci` builds (prepare), and start and test build again before they run.
    expect(scripts).toMatchObject({ prepare: 'npm run build', start: expect.any(String), test: expect.any(String) });
    expect(scripts['prestart']).toContain('build');
    expect(scripts['pretest']).toContain('build');
  });

  it('lists in Development what a full test run needs, with the apt command', () => {
    const development = readme.slice(readme.indexOf('## Development'));
    for (const needed of ['redis-server', 'openssl', 'python3', 'libnss3', 'libexpat1']) {
      expect(development).toContain(needed);
    }
    expect(development).toContain('apt-get install -y redis-server openssl python3 libnss3 libexpat1');
  });

  it('links every entry of its contents to a heading, and every heading from its contents', () => {
    const contents = readme.slice(readme.indexOf('## Contents'), readme.indexOf('## Quick start'));
    const linked = [...contents.matchAll(/\]\(#([^)]+)\)/g)].map((match) => match[1]);
    const headings = [...readme.replace(/```[\s\S]*?```/g, '').matchAll(/^#{2,3} (.+)$/gm)]
      .map((match) => match[1]!)
      .filter((heading) => heading !== 'Contents')
      .map((heading) =>
        heading
          .toLowerCase()
          .replace(/[^\w\- ]/g, '')
          .replace(/ /g, '-'),
      );
    expect(linked).toEqual(headings);
  });

  it('keeps the benchmark in bench/README.md, and a summary linking to it', () => {
    const bench = readFileSync(join(root, 'bench/README.md'), 'utf8');
    expect(bench).toContain('npm run bench -- --only hostile');
    expect(readme).toContain('[bench/README.md](bench/README.md)');
    for (const [, target] of bench.matchAll(/\]\(([^)#]+)[^)]*\)/g)) {
      expect(existsSync(join(root, 'bench', target!))).toBe(true);
    }
  });

  it('lists every flag the server accepts', () => {
    const flags = [...SERVER_USAGE.matchAll(/--[a-z-]+/g)].map((match) => match[0]);
    expect(flags.length).toBeGreaterThan(5);
    for (const flag of flags) expect(readme).toContain(flag);
  });
});
