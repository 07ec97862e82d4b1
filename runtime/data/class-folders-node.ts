// A data set as a folder of class folders (data/ham/*.txt, data/cats/*.png), as Keras's
// text_dataset_from_directory and image_dataset_from_directory index one: class names are the
// sub-folder names in code point order (class id = position), samples are the files of one
// extension (any case) at any depth below each. Every file is checked before any is read: a regular
// file, inside the data folder (a link leading out is refused), and all of them together within a
// size bound. The files come in one fixed seeded order, so --val-split's tail mixes the classes.
// Node only.
import { readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { join, sep } from 'node:path';
import { printable } from '../../dsl/printable.ts';
import { Rng } from '../random.ts';
import { DataError, shownFile } from './data-error.ts';
import { notRegular } from './read-bounded-node.ts';
import { compareCodePoints } from './tokenizer.ts';

/** Most sample files one folder may hold (each costs a stat and a sample). */
export const MAX_FOLDER_FILES = 2 ** 20;
/** The seed of the one fixed shuffle of a folder's files. */
export const CLASS_FOLDER_SHUFFLE_SEED = 20261130;

/** What a class folder holds, in the words of its messages. */
export interface ClassFolderKind {
  /** The sample files' extension, lower case with its dot: '.txt'. */
  extension: string;
  /** "text" or "image": "a text data folder holds …". */
  what: string;
  /** Example class folders for the message of a folder with too few: "ham/ and spam/". */
  example: string;
  /** Most bytes all the sample files may hold together. */
  maxBytes: number;
  /** Extensions (lower case, with the dot) of files refused by name, with why: other image formats. */
  refused?: { extensions: string[]; why: string };
}

/** The files of a class folder data set: class names in order, and each file with its class id. */
export interface ClassFolderFiles {
  classes: string[];
  files: { path: string; label: number }[];
}

const byName = (a: Dirent, b: Dirent): number => compareCodePoints(a.name, b.name);

/**
 * The sample files under `dir` with their class ids (see the file comment), in one fixed seeded order.
 * @throws DataError naming the folder or file: not a folder, fewer than two classes, a class
 *   without sample files, a file that is not a regular file or links outside, too many or too large.
 */
export function classFolderFiles(dir: string, kind: ClassFolderKind): ClassFolderFiles {
  const shown = shownFile(dir);
  const ext = kind.extension;
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
    throw new DataError(`${shown}: ${classDirs.length} class folder${classDirs.length === 1 ? '' : 's'}; ${/^[aeiou]/.test(kind.what) ? 'an' : 'a'} ${kind.what} data folder holds one folder per class (at least two), e.g. ${kind.example} with ${ext} files`);
  }
  const files: { path: string; label: number }[] = [];
  let bytes = 0;
  /** Collects the sample files below `folder` (links to folders are not followed, as Keras's os.walk). */
  const walk = (folder: string, label: number): void => {
    for (const e of readdirSync(folder, { withFileTypes: true }).sort(byName)) {
      const path = join(folder, e.name);
      if (e.isDirectory()) { walk(path, label); continue; }
      const name = e.name.toLowerCase();
      const other = kind.refused?.extensions.find((x) => name.endsWith(x));
      if (other !== undefined) throw new DataError(`${shownFile(path)}: ${kind.refused!.why}`);
      if (!name.endsWith(ext)) continue;
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
      const notFile = notRegular(s);
      if (notFile !== undefined) throw new DataError(`cannot read data file ${shownFile(path)}: ${notFile}`);
      bytes += s.size;
      if (bytes > kind.maxBytes) throw new DataError(`${shown}: its ${ext} files hold more than ${kind.maxBytes} bytes, more than dlc reads from one data folder`);
      if (files.length >= MAX_FOLDER_FILES) throw new DataError(`${shown}: more than ${MAX_FOLDER_FILES} ${ext} files, more than dlc reads from one data folder`);
      files.push({ path, label });
    }
  };
  classDirs.forEach((d, label) => {
    const before = files.length;
    walk(join(dir, d.name), label);
    if (files.length === before) throw new DataError(`${shownFile(join(dir, d.name))}: the class folder '${printable(d.name)}' holds no ${ext} files`);
  });
  new Rng(CLASS_FOLDER_SHUFFLE_SEED).shuffle(files);
  return { classes: classDirs.map((d) => d.name), files };
}

/** Whether `path` is a folder (then --data reads it as a data set of class folders). */
export function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
