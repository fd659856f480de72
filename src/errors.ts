// Typed errors shared by every module. Each names the file (when there is one) and the problem, so the CLI
// can print it as is and callers can branch on `code`.

export type ErrorCode =
  | 'FILE_NOT_FOUND'
  | 'NOT_MEDIA'
  | 'NO_VIDEO_STREAM'
  | 'NO_AUDIO_STREAM'
  | 'ZERO_DURATION'
  | 'CORRUPT_MEDIA'
  | 'UNSUPPORTED_CODEC'
  | 'RESOLUTION_TOO_LARGE'
  | 'FFMPEG_FAILED'
  | 'MODEL_MISSING'
  | 'MODEL_CORRUPT'
  | 'BAD_FORMAT'
  | 'BAD_ARGUMENT'
  | 'SHAPE_MISMATCH'
  | 'VERSION_MISMATCH'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'NOT_WRITABLE'
  | 'EMPTY_CORPUS'
  | 'EMPTY_FOLDER'
  | 'UNMATCHED_FILES'
  | 'FEATURIZE_FAILED'
  /** A limit on what one client (or all together) may hold was reached; try again later (HTTP 429). */
  | 'BUSY'
  | 'MASTER_UNREACHABLE' // data-parallel training: the rendezvous store at MASTER_ADDR:MASTER_PORT
  | 'PEER_LOST'; // data-parallel training: a rank died, hung, or never joined

export class V2meowError extends Error {
  override name = 'V2meowError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The file the problem is about, when there is one. */
    readonly file?: string,
    options?: ErrorOptions,
  ) {
    super(file ? `${file}: ${message}` : message, options);
  }
}
