/** Conversions between stored columns and records. */
export const json = {
  list: (text: string): string[] => JSON.parse(text) as string[],
  text: (list: readonly string[]): string => JSON.stringify(list),
};
export const bool = {
  read: (n: number | string | boolean): boolean => Number(n) === 1 || n === true,
  write: (b: boolean): number => (b ? 1 : 0),
};
/** pg returns BIGINT as string; SQLite as number. */
export const int = {
  read: (n: number | string): number => Number(n),
  readNullable: (n: number | string | null): number | null => (n === null ? null : Number(n)),
};
