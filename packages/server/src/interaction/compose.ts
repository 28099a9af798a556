/**
 * Places named additions before the core item they name (at the end when they name
 * none). A duplicate or an unknown name is a wiring bug, found at start-up.
 */
export function insertNamed<T extends { name: string }>(
  what: string,
  core: readonly T[],
  additions: readonly { item: T; before?: string }[],
): T[] {
  const items = [...core];
  for (const { item, before } of additions) {
    if (items.some((i) => i.name === item.name)) throw new Error(`${what} ${item.name} is registered twice`);
    const at = before === undefined ? items.length : items.findIndex((i) => i.name === before);
    if (at < 0) throw new Error(`${what} ${item.name}: no ${what} named ${before}`);
    items.splice(at, 0, item);
  }
  return items;
}
