// Worker threads do not inherit the TypeScript loader the service runs under: register it, then load
// the worker itself.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
