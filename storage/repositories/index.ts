// The only way core touches the database: narrow functions, no SQL strings outside storage/.
export * from './contacts.ts';
export * from './messages.ts';
export * from './tickets.ts';
export * from './events.ts';
export * from './outbox.ts';
export * from './cursors.ts';
export * from './corrections.ts';
export * from './summary.ts';
export * from './jobs.ts';
export * from './auth.ts';
export * from './dashboard.ts';
export * from './privacy.ts';
export * from './deadlines.ts';
