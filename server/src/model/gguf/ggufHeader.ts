/**
 * The GGUF check, so that a file which would make llama.cpp fail, or abort the whole process
 * (GGML_ASSERT), is refused with a clear reason before it is loaded.
 *
 * - {@link scanGgufHeader}: the bounded pre-scan (every length checked against the file's size).
 * - {@link validateGguf}: what llama.cpp needs, on node-llama-cpp's parse, and a summary ({@link GgufInfo}).
 * - {@link checkModelFile}: all of it, plus the file-system checks; never throws.
 */
export { checkModelFile, readModelFile, type CheckedModelFile } from './checkModelFile';
export { scanGgufHeader } from './preScan';
export {
  GgufError,
  GgufType,
  type GgufCheck,
  type GgufErrorCode,
  type GgufFimTokens,
  type GgufInfo,
  type GgufKeyType,
  type GgufScan,
  type GgufTypeName,
} from './ggufTypes';
export { validateGguf } from './validateGguf';
