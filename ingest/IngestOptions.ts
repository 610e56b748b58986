import type { Study } from "../study/index.ts";

export interface IngestOptions {
  study: Study;
  waveId: string;
  /** Path of the file on disk (a temporary path for uploads). */
  path: string;
  /** The name the user gave the file: shown and stored, never used as a path. */
  fileName?: string;
  encoding?: "utf-8" | "gb18030" | "gbk";
  sheet?: string;
  strict?: boolean;
  replace?: string;
  user: string;
  hmacKey: Buffer;
  /**
   * How many ids one part of the search for repeated ids holds (default two million: memory
   * stays bounded whatever the size of the file). Tests set it small.
   */
  idPartRows?: number;
  /**
   * Where the work copies go (default: the system's temp folder); the server and CLI give
   * `<database>.tmp`, cleaned at the next start if a kill leaves them behind.
   */
  tempDir?: string;
  /** Called as the work advances (the CLI draws a progress bar from it). */
  onProgress?: (progress: IngestProgress) => void;
}

export interface IngestProgress {
  phase: "scan" | "transcode" | "read" | "validate" | "land";
  /** Bytes (scan, transcode) or steps done so far, out of `total`. */
  done: number;
  total: number;
}
