// Runs the firmware's unit tests under real MicroPython: the WebAssembly port
// (npm @micropython/micropython-webassembly-pyscript) in Node. The firmware's
// modules, its tests and the host stand-ins are copied into the port's
// filesystem under /fw; the runner's lines go to stdout, ending with
// `N passed, N failed`. Exit status 1 when a test failed or the run broke.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMicroPython } from '@micropython/micropython-webassembly-pyscript';

const firmware = join(dirname(fileURLToPath(import.meta.url)), '..');
const lines = [];
const mp = await loadMicroPython({
  heapsize: 8 * 1024 * 1024,
  stdout: (line) => {
    lines.push(line);
    console.log(line);
  },
  stderr: (line) => console.error(line),
});

mp.FS.mkdir('/fw');
for (const folder of ['fleetnode', 'tests', 'host']) {
  mp.FS.mkdir(`/fw/${folder}`);
  for (const file of readdirSync(join(firmware, folder)).filter((name) => name.endsWith('.py'))) {
    mp.FS.writeFile(`/fw/${folder}/${file}`, readFileSync(join(firmware, folder, file)));
  }
}

mp.FS.writeFile('/fw/settings.example.json', readFileSync(join(firmware, 'settings.example.json')));

try {
  mp.runPython(`
import sys
sys.path[:0] = ['/fw', '/fw/tests', '/fw/host']
print('runtime', sys.implementation.name, '.'.join(str(n) for n in sys.implementation.version[:3]))
import run_all
run_all.main()
`);
} catch (error) {
  console.error(String(error));
  process.exit(1);
}
const closing = /^(\d+) passed, (\d+) failed$/.exec(lines.at(-1) ?? '');
process.exit(closing && closing[2] === '0' ? 0 : 1);
