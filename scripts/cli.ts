// Running a command-line entry point: its exit code, and a clear message on failure (a ConfigError
// says what to fix; anything else shows its stack).
import { ConfigError } from '../config/env.ts';

export function runCli(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof ConfigError ? error.message : String((error as Error).stack ?? error)}\n`);
      process.exitCode = 1;
    },
  );
}
