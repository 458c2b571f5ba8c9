/** Streaming artifact hashing: one file (hashFile) or a release's worth (hashFiles). */
export { hashFile, digestAlgorithms, defaultReadSize, defaultReadsAhead, type DigestAlgorithm, type Digests, type FileDigest, type HashFileOptions } from './file-hasher';
// hashFiles: on worker threads, one per core, where the build has its worker (issue 15); hashFilesHere: on the caller's thread.
export { hashFilesOnThreads as hashFiles } from './hash-thread';
export { hashFiles as hashFilesHere, type FileHashOutcome, type FilesProgress, type HashFilesOptions } from './hash-files';
export { HashError, hashErrorCodes, isHashError, type HashErrorCode } from './hash-errors';
export { progressIntervalMs, type HashProgress } from './progress';
export { ReadBufferPool, type ReadBufferPoolStats } from './read-buffer-pool';
