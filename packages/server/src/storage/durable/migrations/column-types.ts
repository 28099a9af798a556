/** The few column types whose name differs between the SQL dialects. */
export interface ColumnTypes {
  int64: "integer" | "bigint";
}
