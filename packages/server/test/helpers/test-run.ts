import { randomBytes } from "node:crypto";

/**
 * This test run's id (set once by the global setup, inherited by every worker). Every
 * PostgreSQL database and Redis key prefix a test makes carries it, so the global
 * teardown can remove whatever a test left behind, and parallel runs never meet.
 */
export function testRunId(): string {
  process.env.FRONTDESK_TEST_RUN ??= randomBytes(4).toString("hex");
  return process.env.FRONTDESK_TEST_RUN;
}
