import { availableParallelism } from 'node:os';

/**
 * Imported first by `npm start`, before anything uses libuv's thread pool, which reads
 * UV_THREADPOOL_SIZE once, when it starts. Password verifications (argon2id, 19 MiB each)
 * run on that pool, four threads by default. With more threads than cores they take turns
 * on a core and evict each other's memory from the cache; one thread per core did more
 * logins per second with less CPU each (measured with `npm run bench login`). A value
 * set in the environment is kept.
 */
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(2, availableParallelism()));
