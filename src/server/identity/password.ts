import { hash, verify, type Algorithm } from '@node-rs/argon2';
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as zxcvbnCommon from '@zxcvbn-ts/language-common';

/** argon2id at OWASP's first recommended setting (19 MiB, 2 passes, 1 lane). */
// `Algorithm` is an ambient const enum: 2 is its Argon2id.
const HASH_OPTIONS = { algorithm: 2 as Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
const PARAMS_TAG = `$m=${HASH_OPTIONS.memoryCost},t=${HASH_OPTIONS.timeCost},p=${HASH_OPTIONS.parallelism}$`;

export const MAX_PASSWORD_LENGTH = 256;

/** Counts of argon2 verifications, by kind, so that tests can check every path costs the same. */
export const verifications = { real: 0, dummy: 0 };

let dummyHash: Promise<string> | undefined;

/** NFKC, as NIST asks, so that the same password typed on two keyboards is the same password. */
const normalizePassword = (password: string) => password.normalize('NFKC');

export function hashPassword(password: string): Promise<string> {
  return hash(normalizePassword(password), HASH_OPTIONS);
}

/** Verifies against the stored hash; a wrong or malformed hash is simply a mismatch. */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  verifications.real++;
  try {
    return await verify(storedHash, normalizePassword(password));
  } catch {
    return false;
  }
}

/**
 * Spends exactly what a real verification spends, against a hash of nothing, so that
 * an unknown username or a locked account takes as long as a wrong password.
 */
export async function verifyDummy(password: string): Promise<false> {
  verifications.dummy++;
  dummyHash ??= hash('dummy password that matches nothing', HASH_OPTIONS);
  await verify(await dummyHash, normalizePassword(password)).catch(() => false);
  return false;
}

/** True when the stored hash used other parameters than today's: rehash at the next login. */
export const needsRehash = (storedHash: string) => !storedHash.startsWith('$argon2id$') || !storedHash.includes(PARAMS_TAG);

const common = new Set(zxcvbnCommon.dictionary['passwords-common'].map((word: string) => word.toLowerCase()));

/**
 * Below 10^10 estimated guesses a password falls to an offline attack on a leaked hash list
 * in hours (zxcvbn's own "score 4" starts there).
 */
export const MIN_GUESSES_LOG10 = 10;

// Loaded and built on first use, once per process, and kept: the English dictionaries and
// the ranking take about 0.3–0.5 s and 30 MB of heap (measured with Node 24), which a process
// that never sets a password (the API, the chores) does not pay. A check then takes 5–100 ms.
// Levenshtein matching is off: it made one check take up to 2 s and added nothing the user
// inputs did not catch.
let estimator: Promise<ZxcvbnFactory> | undefined;
const strengthEstimator = () =>
  (estimator ??= Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-en')]).then(
    ([core, english]) =>
      new core.ZxcvbnFactory({
        dictionary: { ...zxcvbnCommon.dictionary, ...english.dictionary },
        graphs: zxcvbnCommon.adjacencyGraphs,
      }),
  ));

/**
 * zxcvbn's estimate (log10 of the guesses an attacker needs), with the user's own words as
 * a dictionary. The lower of the password as typed and without separators counts, so that
 * "Lisa Nord 1987" is judged like "LisaNord1987".
 */
export async function estimateGuessesLog10(password: string, userInputs: string[]): Promise<number> {
  const zxcvbn = await strengthEstimator();
  const inputs = userInputs.flatMap((input) => input.normalize('NFKC').toLowerCase().split(/\s+/)).filter((word) => word.length >= 2);
  const typed = normalizePassword(password);
  const squeezed = typed.replace(/[\s\-_.]+/g, '');
  const estimate = (candidate: string) => zxcvbn.check(candidate, inputs).guessesLog10;
  return squeezed === typed ? estimate(typed) : Math.min(estimate(typed), estimate(squeezed));
}

export type PasswordProblem = 'tooShort' | 'tooLong' | 'common' | 'containsUsername' | 'containsOrganisation' | 'guessable' | 'sameAsCurrent' | 'mismatch';

export interface PolicyContext {
  minLength: number;
  username: string;
  organisationName?: string | null;
  /** The user's own first and last name: words an attacker tries first. */
  names?: string[];
}

/** Length in code points after NFKC: what a person would count as characters. */
export const passwordLength = (password: string) => [...normalizePassword(password)].length;

/**
 * The password rules (after NIST SP 800-63B rev 4): a minimum length, no composition
 * rules, never truncated; refused when common or built from the username or the
 * organisation's name, or when zxcvbn estimates fewer than 10^10 guesses with the user's
 * names, username and organisation as known words. Returns the first problem, or undefined.
 */
export async function checkPasswordPolicy(password: string, context: PolicyContext): Promise<PasswordProblem | undefined> {
  const length = passwordLength(password);
  if (length < context.minLength) return 'tooShort';
  if (length > MAX_PASSWORD_LENGTH) return 'tooLong';
  const folded = normalizePassword(password).toLowerCase();
  const squeezed = folded.replace(/[\s\-_.]+/g, '');
  if (common.has(folded) || common.has(squeezed) || /^(.)\1+$/u.test(squeezed)) return 'common';
  if (context.username && folded.includes(context.username.toLowerCase())) return 'containsUsername';
  const organisation = context.organisationName
    ?.normalize('NFKC')
    .toLowerCase()
    .replace(/\s+(ab|hb|kb|ek\.?\s*för\.?)$/u, '')
    .trim();
  if (organisation && organisation.length >= 3 && squeezed.includes(organisation.replace(/\s+/g, ''))) return 'containsOrganisation';
  const userInputs = [...(context.names ?? []), context.username, context.organisationName ?? ''];
  if ((await estimateGuessesLog10(password, userInputs)) < MIN_GUESSES_LOG10) return 'guessable';
  return undefined;
}
