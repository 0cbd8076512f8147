/**
 * Child process for cryptoBackend.test.ts: records warnings, loads the library, asks for the
 * warning a second time, and prints what it saw as JSON.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

// The test runner loads every file under test/; only run when started as the child itself.
if (
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  await main();
}

async function main(): Promise<void> {
  const warnings: { name: string; code: unknown; message: string }[] = [];
  process.removeAllListeners("warning");
  process.on("warning", (w: Error & { code?: unknown }) => {
    warnings.push({ name: w.name, code: w.code, message: w.message });
  });
  const library = await import("../../src/index.js");
  const { warnIfJsCrypto } = await import("../../src/internal/cryptoBackend.js");
  const again = warnIfJsCrypto();
  // Warnings are delivered on the next tick.
  await new Promise((resolve) => setImmediate(resolve));
  process.stdout.write(JSON.stringify({ backend: library.cryptoBackend(), again, warnings }));
}
