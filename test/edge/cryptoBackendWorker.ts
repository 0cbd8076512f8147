/**
 * Child process for cryptoBackend.test.ts: records warnings, loads the library, asks for the
 * warning a second time, and prints what it saw as JSON.
 */
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
