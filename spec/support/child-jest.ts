/** Runs one fixture spec in a child jest, to check what a whole run reports (skips, failures, warnings). */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { withTimeout } from './waiting';

const ROOT = join(__dirname, '..', '..');
/**
 * A child jest starts in seconds, but on a loaded 2-core machine (other runs at once) it has taken a
 * minute. A test that runs one needs a timeout above this one (120 s).
 */
const CHILD_JEST_TIMEOUT_MS = 110_000;

/**
 * Runs `fixture` (a path from the repository root, not named *.spec.ts so the suite never runs it)
 * with `changes` to the environment (undefined removes a variable); its exit status and all it printed.
 */
export async function runFixture(
  fixture: string,
  changes: Record<string, string | undefined>,
): Promise<{ status: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const child = spawn(
    process.execPath,
    [require.resolve('jest/bin/jest'), '--testMatch', `**/${fixture}`, '--maxWorkers=1'],
    { cwd: ROOT, env },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const status = await withTimeout(
    new Promise<number | null>((resolve) => child.once('close', resolve)),
    CHILD_JEST_TIMEOUT_MS,
    'the child jest to finish',
  ).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return { status, output };
}
