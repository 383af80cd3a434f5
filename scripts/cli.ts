// Running a command-line entry point: its exit code, and a clear message on failure (a ConfigError
// says what to fix; anything else shows its stack).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../config/env.ts';

/**
 * Parses a command's arguments (its options include `help`): the result, or the exit code when the
 * command should stop: 0 after printing the usage for --help, 2 after printing the error and the usage.
 */
export function parseCliArgs<T extends ParseArgsConfig>(usage: string, config: T): ReturnType<typeof parseArgs<T>> | number {
  try {
    const parsed = parseArgs(config);
    if ((parsed.values as { help?: boolean }).help) {
      process.stdout.write(`${usage}\n`);
      return 0;
    }
    return parsed;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    return 2;
  }
}

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
