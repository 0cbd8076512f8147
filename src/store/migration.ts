/** One schema change: applied once, in version order, inside the opening transaction. */
export interface Migration {
  /** 1, 2, 3, …: the order of application and the key in `schema_migrations`. */
  readonly version: number;
  readonly name: string;
  /** Statements separated by semicolons. */
  readonly sql: string;
}
