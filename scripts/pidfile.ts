// DATA_DIR/aspirasi-desa.pid: written by the running service, so tools that must not run beside it
// (restore) can tell. A pid file left by a crash is stale, not a reason to refuse.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PID_FILE = 'aspirasi-desa.pid';

export function pidFilePath(dataDir: string): string {
  return join(dataDir, PID_FILE);
}

/** Writes this process's pid; the returned function removes the file if it still holds that pid. */
export function writePidFile(dataDir: string): () => void {
  const path = pidFilePath(dataDir);
  writeFileSync(path, `${process.pid}\n`);
  return () => {
    if (readPid(path) === process.pid) rmSync(path, { force: true });
  };
}

function readPid(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the service running on `dataDir`, or undefined when none is (no pid file, or a stale one). */
export function runningServicePid(dataDir: string): number | undefined {
  const pid = readPid(pidFilePath(dataDir));
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}
