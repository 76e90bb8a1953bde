// Errors of the checkpoint files, shared by the format, its checks and the store.

/** Raised for a file that is not a checkpoint this version can read; the message names what is wrong with it. */
export class CheckpointFormatError extends Error {
  override name = 'CheckpointFormatError';
}
