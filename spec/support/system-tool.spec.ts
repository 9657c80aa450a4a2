/**
 * The rule of spec/support/system-tool.ts, proved on a fixture run in a child jest: a missing tool
 * skips its block loudly outside CI and fails it under CI.
 */
import { runFixture } from './child-jest';
import { runningInCI } from './system-tool';

const FIXTURE = 'spec/support/fixtures/needs-tools.ts';

describe('describeWithTool', () => {
  it('outside CI, skips the block of a missing tool with a loud warning saying how to install it', async () => {
    const { status, output } = await runFixture(FIXTURE, { CI: undefined });
    expect(status).toBe(0);
    expect(output).toContain('"specs that need a missing tool" needs rxchat-no-such-tool, which is not usable here:');
    expect(output).toContain('apt-get install -y rxchat-no-such-tool');
    expect(output).toContain('Outside CI these specs are SKIPPED (under CI=true they fail).');
    expect(output).toContain('!'.repeat(100));
    expect(output).toMatch(/Tests:\s+2 skipped, 1 passed, 3 total/);
  }, 120_000);

  it('under CI=true, fails each test of that block with the same message, and runs the others', async () => {
    const { status, output } = await runFixture(FIXTURE, { CI: 'true' });
    expect(status).toBe(1);
    expect(output).toContain('"specs that need a missing tool" needs rxchat-no-such-tool, which is not usable here:');
    expect(output).toContain('apt-get install -y rxchat-no-such-tool');
    expect(output).toContain('Under CI this is a failure.');
    expect(output).toMatch(/Tests:\s+2 failed, 1 passed, 3 total/);
  }, 120_000);

  it('knows CI by the CI variable, as CI services set it', () => {
    expect(runningInCI({ CI: 'true' })).toBe(true);
    expect(runningInCI({ CI: '1' })).toBe(true);
    expect(runningInCI({})).toBe(false);
    expect(runningInCI({ CI: 'false' })).toBe(false);
  });
});
