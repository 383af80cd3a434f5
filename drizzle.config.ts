import { defineConfig } from 'drizzle-kit';

// Migrations are generated with `npm run db:generate`, committed, and applied at start.
export default defineConfig({
  dialect: 'sqlite',
  schema: './storage/schema.ts',
  out: './storage/migrations',
});
