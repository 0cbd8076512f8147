import type { Migration } from "../../migration.js";
import { migration001 } from "./001_initial.js";
import { migration002 } from "./002_atomic_functions.js";

/** Every PostgreSQL migration, in version order. Add new ones at the end; never edit a shipped one. */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [migration001, migration002];
