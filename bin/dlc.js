#!/usr/bin/env node
// The `dlc` command. An installed package runs the compiled CLI in dist/; a source checkout (cli/main.ts beside
// this folder; the package ships no .ts) runs the TypeScript through tsx, so the repo never runs a stale build.
// Commands that run GPU work (train, eval, predict) run in a child process this one watches (cli/supervise.ts).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const fromSource = existsSync(new URL('../cli/main.ts', import.meta.url));
if (fromSource) {
  const { register } = await import('tsx/esm/api');
  register();
}
const cli = fromSource ? '../cli/' : '../dist/cli/';
const ext = fromSource ? '.ts' : '.js';
const { needsSupervisor, startSupervisedChild, supervise } = await import(`${cli}supervise${ext}`);
const args = process.argv.slice(2);
if (needsSupervisor(args)) {
  await supervise(fileURLToPath(import.meta.url), args);
} else {
  startSupervisedChild();
  await import(`${cli}main${ext}`);
}
