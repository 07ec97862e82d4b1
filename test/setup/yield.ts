// Before each test, one turn of the event loop: the worker then reads vitest's replies that arrived
// while the previous test ran. Without it a file of synchronous tests (compiles, float64 references)
// can keep them unread for over a minute on a busy machine, and vitest fails the run with
// "Timeout calling onTaskUpdate" although every test passed.
import { beforeEach } from 'vitest';

beforeEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
