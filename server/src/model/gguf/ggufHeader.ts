/**
 * GGUF header reading and validation, so that a file which would make llama.cpp fail, or abort
 * the whole process (GGML_ASSERT), is refused with a clear reason before it is loaded.
 *
 * - {@link readGgufHeader}: metadata and tensor infos, by bounded chunked reads.
 * - {@link validateGguf}: what llama.cpp needs, and a summary ({@link GgufInfo}).
 * - {@link checkModelFile}: both, plus the file-system checks; never throws.
 */
export { checkModelFile } from './checkModelFile';
export { readGgufHeader } from './ggufReader';
export {
  GgufError,
  GgufType,
  KEEP_ARRAY_MAX,
  type GgufArray,
  type GgufCheck,
  type GgufErrorCode,
  type GgufFimTokens,
  type GgufHeader,
  type GgufInfo,
  type GgufScalar,
  type GgufTensorInfo,
  type GgufTypeName,
  type GgufValue,
} from './ggufTypes';
export { validateGguf } from './validateGguf';
