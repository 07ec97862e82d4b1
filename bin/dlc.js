#!/usr/bin/env node
// The `dlc` command: loads the TypeScript CLI through tsx's ESM loader. Commands that run GPU work
// (train, eval, predict) run in a child process this one watches (cli/supervise.ts).
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { needsSupervisor, startSupervisedChild, supervise } = await import('../cli/supervise.ts');
const args = process.argv.slice(2);
if (needsSupervisor(args)) {
  await supervise(fileURLToPath(import.meta.url), args);
} else {
  startSupervisedChild();
  await import('../cli/main.ts');
}
