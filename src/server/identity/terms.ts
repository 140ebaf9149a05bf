/** The version of Villkor för användare that users accept at first login; a new version is accepted again. */
export const CURRENT_TERMS_VERSION = '2026-11-01';
