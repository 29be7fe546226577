/** Progress lines of a benchmark: `bench references  12.3s  kafka: run 2 of 3`, on stderr (stdout stays for results). */
export function benchProgress(name: string): (line: string) => void {
  const started = performance.now();
  return (line) => {
    process.stderr.write(`bench ${name}  ${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s  ${line}\n`);
  };
}
