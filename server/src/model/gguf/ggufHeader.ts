/**
 * The GGUF check, so that a file which would make llama.cpp fail, or abort the whole process
 * (GGML_ASSERT), is refused with a clear reason before it is loaded, and the inspection that
 * warns about a model before it is loaded.
 *
 * - {@link scanGgufHeader}: the bounded pre-scan (every length checked against the file's size).
 * - {@link validateGguf}: what llama.cpp needs, on node-llama-cpp's parse, and a summary ({@link GgufInfo}).
 * - {@link checkModelFile}: all of it, plus the file-system checks; never throws.
 * - {@link inspectModelFile}: the check, then node-llama-cpp's GgufInsights: memory, warnings.
 */
export { checkModelFile, readModelFile, type CheckedModelFile } from './checkModelFile';
export { inspectModelFile, type InspectOptions, type ModelInspection } from './inspect';
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
