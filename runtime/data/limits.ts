// How much data dlc reads: one set of bounds for every reader, checked before anything is allocated.

/** Most values one array may hold (2^28: 1 GiB of float32). */
export const MAX_VALUES = 2 ** 28;

/** Most bytes of values a binary data file may hold (1 GiB: 2^28 float32 values). */
export const MAX_DATA_BYTES = 2 ** 30;

/** Room for headers and directories on top of the values (.npy headers, zip records, IDX dimensions). */
export const MAX_HEADER_BYTES = 2 ** 16;

/** Largest .npy, .npz or IDX file read; also the most bytes all members of one .npz inflate to. */
export const MAX_ARRAY_FILE_BYTES = MAX_DATA_BYTES + MAX_HEADER_BYTES;

/**
 * Largest CSV file read (256 MiB). Its text must fit one JavaScript string (V8: about 2^29
 * characters), and each cell costs far more memory as a parsed field than as bytes on disk.
 */
export const MAX_CSV_BYTES = 2 ** 28;

/**
 * CSV files larger than this (64 MiB) are trained from disk, read in chunks each epoch (see
 * csv-stream-node.ts), rather than parsed whole; the DLC_STREAM_CSV_BYTES variable changes it.
 */
export const STREAM_CSV_BYTES = 2 ** 26;

/**
 * .npy feature files larger than this (64 MiB; read whole they cost their bytes and their float32
 * copy) are trained from disk with --labels, read by byte offset each epoch (npy-stream-node.ts);
 * the DLC_STREAM_NPY_BYTES variable changes it.
 */
export const STREAM_NPY_BYTES = 2 ** 26;
