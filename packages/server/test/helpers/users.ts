import type { CoreServices as Context } from "../../src/features/contract.js";
import { createUser } from "../../src/users/users.js";

export async function makeUser(
  ctx: Context,
  username = `user${Math.random().toString(36).slice(2, 8)}`,
  password = "correct horse battery",
) {
  const user = await createUser(ctx, { username, password, email: `${username}@example.test` });
  return { user, username, password };
}
