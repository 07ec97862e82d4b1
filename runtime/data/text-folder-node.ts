// A text data set as a folder of class folders (data/ham/*.txt, data/spam/*.txt), as Keras's
// text_dataset_from_directory reads one (class-folders-node.ts lists and checks the files): texts
// are the .txt files, read as UTF-8, all of them together within the CSV size bound. Node only.
import { MAX_CSV_BYTES } from './limits.ts';
import { classFolderFiles } from './class-folders-node.ts';
import { readFileBounded } from './read-bounded-node.ts';
import type { TextSamples } from './text.ts';

export { isFolder } from './class-folders-node.ts';

/** Most bytes all the texts of one folder may hold together: the same bound as one CSV file. */
export const MAX_TEXT_FOLDER_BYTES = MAX_CSV_BYTES;

/**
 * The texts under `dir` with their class ids (see classFolderFiles), in one fixed seeded order.
 * @throws DataError naming the folder or file: not a folder, fewer than two classes, a class
 *   without .txt files, a .txt that is not a regular file or links outside, too many or too large.
 */
export function readTextFolder(dir: string): TextSamples {
  const { classes, files } = classFolderFiles(dir, { extension: '.txt', what: 'text', example: 'ham/ and spam/', maxBytes: MAX_TEXT_FOLDER_BYTES });
  const decoder = new TextDecoder();
  // readFileBounded stats again on the open file: one swapped for a FIFO, or grown past what is
  // left of the folder's bound since, is refused.
  let left = MAX_TEXT_FOLDER_BYTES;
  const texts = files.map((f) => {
    const data = readFileBounded(f.path, { what: 'data file', limit: left });
    left -= data.length;
    return decoder.decode(data);
  });
  return { texts, labels: Int32Array.from(files, (f) => f.label), classes };
}
