/** Removes what a feature keeps about a user in its own tables; returns how many records. */
export type UserDataEraser = (userId: string) => Promise<number>;

/**
 * The features' records of people (linked upstream identities, later passkeys), erased
 * when a user is deleted: the core tables are the core's, these the features'. Erasers
 * are registered by name (registering again replaces: building the features twice
 * does not double them).
 */
export class UserData {
  private readonly erasers = new Map<string, UserDataEraser>();

  register(name: string, eraser: UserDataEraser): void {
    this.erasers.set(name, eraser);
  }

  /** Runs every eraser for the user; returns the records each removed, by feature. */
  async erase(userId: string): Promise<Record<string, number>> {
    const removed: Record<string, number> = {};
    for (const [name, eraser] of this.erasers) removed[name] = await eraser(userId);
    return removed;
  }
}
