/**
 * The CLI compiled once per test run into `.local/test-build` (incremental, so
 * a second run takes a moment), for tests that run components as processes.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
export const testBuildDir = join(root, '.local', 'test-build');

export function buildCli(): void {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', testBuildDir, '--incremental', '--tsBuildInfoFile', join(testBuildDir, '.tsbuildinfo')], {
    cwd: root,
    stdio: 'inherit',
  });
  mkdirSync(join(testBuildDir, 'schemas', 'avro'), { recursive: true });
  cpSync(join(root, 'schemas', 'avro'), join(testBuildDir, 'schemas', 'avro'), { recursive: true });
}
