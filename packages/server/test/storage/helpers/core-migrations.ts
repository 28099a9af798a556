/**
 * The core migrations, in the order they run, written out by hand: a migration added,
 * renamed or reordered must show up here (and in the tests that compare with it).
 */
export const CORE_MIGRATIONS = [
  "001-initial",
  "002-client-secret-rotation",
  "003-key-sets-per-algorithm",
  "004-client-metadata",
  "005-refresh-family-dpop-key",
  "006-email",
  "007-users-email-index",
  "008-user-name",
  "009-refresh-idp",
] as const;
