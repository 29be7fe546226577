/**
 * The project's Mosquitto plugin (broker/plugin) as a shared object, built with
 * its Makefile: compiled when missing or older than its source, as `make up`
 * does for the stack's broker.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FleetstreamError } from '../lib/errors';
import { repositoryRoot } from '../lib/repository-root';

const run = promisify(execFile);
// from source or from dist/: the plugin's C source is in the checkout
const sourceDir = join(repositoryRoot(), 'broker', 'plugin');

export async function buildBrokerPlugin(buildDir = join(repositoryRoot(), '.local', 'broker-plugin')): Promise<string> {
  try {
    await run('make', ['-s', '-C', sourceDir, `BUILD_DIR=${buildDir}`]);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new FleetstreamError('BROKER_PLUGIN_UNBUILT', `building the broker plugin failed (make -C ${sourceDir}; it needs gcc, make, mosquitto-dev, libmosquitto-dev and libssl-dev, which \`make up\` installs): ${stderr.trim()}`, { cause: error });
  }
  return join(buildDir, 'fleetstream_auth.so');
}
