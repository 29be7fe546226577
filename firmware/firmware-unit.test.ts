/**
 * The firmware's unit tests (firmware/tests/, pure modules and drivers over
 * the host stand-ins), run by their own runner under CPython and under real
 * MicroPython (the WebAssembly port from npm, in Node): the same tests, all
 * of them, pass on both.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const tests = join(__dirname, 'tests');

/** How many `test_*` functions the test modules define. */
function definedTests(): number {
  return readdirSync(tests)
    .filter((file) => /^test_.*\.py$/.test(file))
    .reduce((n, file) => n + (readFileSync(join(tests, file), 'utf8').match(/^def test_/gm)?.length ?? 0), 0);
}

async function outcome(command: string, args: string[]): Promise<{ passed: number; failed: number; output: string }> {
  const { stdout } = await run(command, args, { cwd: join(__dirname, '..'), timeout: 120_000 }).catch((error: { stdout?: string; stderr?: string; message: string }) => ({
    stdout: `${error.stdout ?? ''}\n${error.stderr ?? ''}\n${error.message}`,
  }));
  const closing = /^(\d+) passed, (\d+) failed$/m.exec(stdout);
  return { passed: Number(closing?.[1] ?? -1), failed: Number(closing?.[2] ?? -1), output: stdout };
}

describe('the firmware unit tests', () => {
  const expected = definedTests();

  it('define a test for each pure module', () => {
    expect(expected).toBeGreaterThanOrEqual(50);
  });

  it('all pass under CPython with the host stand-ins', async () => {
    const result = await outcome('python3', ['firmware/tests/run_all.py']);
    expect({ passed: result.passed, failed: result.failed, failures: result.output.split('\n').filter((l) => l.startsWith('FAIL')) }).toEqual({ passed: expected, failed: 0, failures: [] });
  });

  it('all pass under MicroPython (the WebAssembly port)', async () => {
    const result = await outcome(process.execPath, ['firmware/host/micropython-tests.mjs']);
    expect(result.output).toMatch(/^runtime micropython 1\.27\.0$/m);
    expect({ passed: result.passed, failed: result.failed, failures: result.output.split('\n').filter((l) => l.startsWith('FAIL')) }).toEqual({ passed: expected, failed: 0, failures: [] });
  });
});
