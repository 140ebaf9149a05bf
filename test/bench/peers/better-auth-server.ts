/**
 * The peer for sign-in and session checks: better-auth's email and password sign-in,
 * hashing with our own argon2id (same parameters), on the same Postgres (a database of
 * its own in the same cluster, its tables made by its own migrations), served by node:http
 * as its documentation shows. Started by login.bench.ts; never part of the portal.
 */
import { createServer } from 'node:http';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import pg from 'pg';
import { hashPassword, verifyPassword } from '#server/identity/password.ts';

const port = Number(process.env.PORT);
const users = Number(process.env.BENCH_USERS ?? 16);
const password = process.env.BENCH_PASSWORD ?? '';

const auth = betterAuth({
  baseURL: `http://127.0.0.1:${port}`,
  secret: 'bench-only-secret-bench-only-secret-0123456789',
  database: new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 }),
  emailAndPassword: {
    enabled: true,
    password: { hash: hashPassword, verify: ({ hash, password }) => verifyPassword(hash, password) },
  },
  // Its limiter stays on, as by default, in memory; its sign-in rule (3 per 10 s) would stop the bench.
  rateLimit: { enabled: true, window: 60, max: 1e9, customRules: { '/sign-in/email': { window: 60, max: 1e9 } } },
  telemetry: { enabled: false },
});

const { runMigrations } = await getMigrations(auth.options);
await runMigrations();
const existing = (await new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 }).query('select count(*)::int as n from "user"')).rows[0].n;
for (let i = existing; i < users; i++) {
  await auth.api.signUpEmail({ body: { email: `ba${i}@matskolan.example`, password, name: `Mät ${i}` } });
}

createServer(toNodeHandler(auth)).listen(port, '127.0.0.1', () => console.log(`better-auth listening on ${port}`));
