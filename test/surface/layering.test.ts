/**
 * The library's folders form layers: no module imports, at run time, a module that imports it
 * back (no cycles between files), and no folder depends on a folder that depends on it (no
 * cycles between folders). `src/index.ts` (the surface, above everything) and `src/errors.ts`
 * (the base error class, below everything) are the two files at the root.
 */
import { expect } from "chai";
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../src");
const IMPORT = /(?:^|\n)\s*(import|export)\b([^;]*?)from\s*["'](\.{1,2}\/[^"']+)["']/g;
const DYNAMIC = /import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith(".ts") ? [full] : [];
  });
}

/** Run-time imports of each file (type-only imports vanish when compiled). */
function runtimeGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, "utf8");
    const targets: string[] = [];
    for (const m of text.matchAll(IMPORT)) {
      const clause = `${m[1] ?? ""} ${m[2] ?? ""}`;
      if (/^(import|export)\s+type\b/.test(clause.trim())) continue;
      targets.push(path.resolve(path.dirname(file), (m[3] ?? "").replace(/\.js$/, ".ts")));
    }
    for (const m of text.matchAll(DYNAMIC)) {
      targets.push(path.resolve(path.dirname(file), (m[1] ?? "").replace(/\.js$/, ".ts")));
    }
    graph.set(file, targets);
  }
  return graph;
}

function findCycle(graph: Map<string, string[] | Set<string>>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") return [...stack.slice(stack.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const found = visit(next);
        if (found !== undefined) return found;
      }
    }
    stack.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of graph.keys()) {
    if (state.get(node) === undefined) {
      const found = visit(node);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

const relative = (file: string): string => path.relative(SRC, file);

describe("library layout", function () {
  const graph = runtimeGraph();

  it("has no import cycle between files", function () {
    expect(findCycle(graph)?.map(relative)).to.equal(undefined);
  });

  it("has no dependency cycle between folders", function () {
    const folders = new Map<string, Set<string>>();
    for (const [file, targets] of graph) {
      const from = relative(file).split(path.sep);
      if (from.length === 1) continue; // index.ts and errors.ts sit above and below the folders
      const a = from[0] as string;
      for (const target of targets) {
        const to = relative(target).split(path.sep);
        if (to.length === 1 || to[0] === a) continue;
        folders.set(a, (folders.get(a) ?? new Set()).add(to[0] as string));
      }
    }
    expect(findCycle(folders)).to.equal(undefined);
  });

  it("keeps only the surface and the base error class at the root of src/", function () {
    const loose = readdirSync(SRC).filter((name) => name.endsWith(".ts"));
    expect(loose.sort()).to.deep.equal(["errors.ts", "index.ts"]);
  });
});
