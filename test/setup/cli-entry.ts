// What bin/dlc.js runs from a source checkout, with static imports so that esbuild can bundle it
// for the tests (test/setup/cli-bundle.ts): the supervisor for GPU commands, the CLI itself otherwise.
import { fileURLToPath } from 'node:url';
import { needsSupervisor, startSupervisedChild, supervise } from '../../cli/supervise.ts';

const args = process.argv.slice(2);
if (needsSupervisor(args)) {
  await supervise(fileURLToPath(import.meta.url), args);
} else {
  startSupervisedChild();
  await import('../../cli/main.ts');
}
