// Child process for the crash tests: writes `count` checkpoints to PATH, each a 4 MB tensor filled
// with one value (its writer's tag × 1000 + iteration), printing a line before each write.
import { saveSafetensors } from '../../runtime/checkpoint-node.ts';

const [path, tag, count] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4])];
for (let i = 0; i < count; i++) {
  const value = tag * 1000 + i;
  process.stdout.write(`writing ${value}\n`);
  await saveSafetensors(path, [{ name: 'w', dtype: 'F32', shape: [1 << 20], data: new Float32Array(1 << 20).fill(value) }], { value: String(value) });
}
