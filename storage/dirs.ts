import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Creates the directory and its missing parents one by one. (Node's recursive mkdirSync spins
 * forever on some unwritable paths, e.g. below /proc; a plain mkdir fails with a clear error.)
 */
export function makeDirectories(dir: string): void {
  const missing: string[] = [];
  for (let current = resolve(dir); !existsSync(current); current = dirname(current)) {
    missing.unshift(current);
    if (dirname(current) === current) break;
  }
  for (const path of missing) mkdirSync(path);
}
