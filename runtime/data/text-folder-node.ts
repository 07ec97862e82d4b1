// A text data set as a folder of class folders (data/ham/*.txt, data/spam/*.txt), as Keras's
// text_dataset_from_directory reads one: class names are the sub-folder names in code point order
// (class id = position), texts are the .txt files (any case) at any depth below each, read as UTF-8.
// Every file is checked before any is read: a regular file, inside the data folder (a link leading
// out is refused), and all of them together within the CSV size bound. Node only.
import { readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { join, sep } from 'node:path';
import { printable } from '../../dsl/printable.ts';
import { Rng } from '../random.ts';
import { DataError, shownFile } from './data-error.ts';
import { MAX_CSV_BYTES } from './limits.ts';
import { notRegular, readFileBounded } from './read-bounded-node.ts';
import type { TextSamples } from './text.ts';
import { compareCodePoints } from './tokenizer.ts';

/** Most bytes all the texts of one folder may hold together: the same bound as one CSV file. */
export const MAX_TEXT_FOLDER_BYTES = MAX_CSV_BYTES;
/** Most text files one folder may hold (each costs a stat and a string). */
export const MAX_TEXT_FILES = 2 ** 20;
/** The seed of the one fixed shuffle of a folder's files, so --val-split's tail mixes the classes. */
export const TEXT_FOLDER_SHUFFLE_SEED = 20261130;

const byName = (a: Dirent, b: Dirent): number => compareCodePoints(a.name, b.name);

/**
 * The texts under `dir` with their class ids (see the file comment), in one fixed seeded order.
 * @throws DataError naming the folder or file: not a folder, fewer than two classes, a class
 *   without .txt files, a .txt that is not a regular file or links outside, too many or too large.
 */
export function readTextFolder(dir: string): TextSamples {
  const shown = shownFile(dir);
  let root: string;
  try {
    if (!statSync(dir).isDirectory()) throw new DataError(`cannot read data folder ${shown}: it is not a folder`);
    root = realpathSync(dir);
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(`cannot read data folder ${shown}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : printable((err as Error).message)}`);
  }
  const entries = readdirSync(dir, { withFileTypes: true });
  // A linked class folder could lead anywhere; it is refused rather than silently left out.
  const linked = entries.find((e) => e.isSymbolicLink() && isFolder(join(dir, e.name)));
  if (linked) throw new DataError(`${shownFile(join(dir, linked.name))}: the class folder '${printable(linked.name)}' is a link; a data folder's class folders must be folders inside it`);
  const classDirs = entries.filter((e) => e.isDirectory()).sort(byName);
  if (classDirs.length < 2) {
    throw new DataError(`${shown}: ${classDirs.length} class folder${classDirs.length === 1 ? '' : 's'}; a text data folder holds one folder per class (at least two), e.g. ham/ and spam/ with .txt files`);
  }
  const files: { path: string; label: number }[] = [];
  let bytes = 0;
  /** Collects the .txt files below `folder` (links to folders are not followed, as Keras's os.walk). */
  const walk = (folder: string, label: number): void => {
    for (const e of readdirSync(folder, { withFileTypes: true }).sort(byName)) {
      const path = join(folder, e.name);
      if (e.isDirectory()) { walk(path, label); continue; }
      if (!e.name.toLowerCase().endsWith('.txt')) continue;
      if (e.isSymbolicLink()) {
        let real: string;
        try {
          real = realpathSync(path);
        } catch {
          throw new DataError(`cannot read data file ${shownFile(path)}: it is a link to nothing`);
        }
        if (!real.startsWith(root + sep)) throw new DataError(`${shownFile(path)} leads outside the data folder (to ${printable(real, 200)}); a data folder's files must be inside it`);
        if (statSync(real).isDirectory()) continue;
      }
      // The kind (FIFO, device, socket) and size checks of the reader, on stat alone, before any read.
      const s = statSync(path);
      const kind = notRegular(s);
      if (kind !== undefined) throw new DataError(`cannot read data file ${shownFile(path)}: ${kind}`);
      bytes += s.size;
      if (bytes > MAX_TEXT_FOLDER_BYTES) throw new DataError(`${shown}: its .txt files hold more than ${MAX_TEXT_FOLDER_BYTES} bytes, more than dlc reads from one data folder`);
      if (files.length >= MAX_TEXT_FILES) throw new DataError(`${shown}: more than ${MAX_TEXT_FILES} .txt files, more than dlc reads from one data folder`);
      files.push({ path, label });
    }
  };
  classDirs.forEach((d, label) => {
    const before = files.length;
    walk(join(dir, d.name), label);
    if (files.length === before) throw new DataError(`${shownFile(join(dir, d.name))}: the class folder '${printable(d.name)}' holds no .txt files`);
  });
  new Rng(TEXT_FOLDER_SHUFFLE_SEED).shuffle(files);
  const decoder = new TextDecoder();
  // readFileBounded stats again on the open file: one swapped for a FIFO, or grown past what is
  // left of the folder's bound since, is refused.
  let left = MAX_TEXT_FOLDER_BYTES;
  const texts = files.map((f) => {
    const data = readFileBounded(f.path, { what: 'data file', limit: left });
    left -= data.length;
    return decoder.decode(data);
  });
  return { texts, labels: Int32Array.from(files, (f) => f.label), classes: classDirs.map((d) => d.name) };
}

/** Whether `path` is a folder (then --data reads it as a text data set). */
export function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
