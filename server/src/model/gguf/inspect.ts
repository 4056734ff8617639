import { readFile } from 'node:fs/promises';
import { freemem } from 'node:os';
import type { Llama } from 'node-llama-cpp';
import { nodeLlamaCpp } from '../llama';
import { BATCH_SIZE, FLASH_ATTENTION } from '../contextOptions';
import { readModelFile } from './checkModelFile';
import type { GgufInfo } from './ggufTypes';
import { Meta } from './metaAccess';

export interface InspectOptions {
  /** Context size per sequence, in tokens (`slmAssist.model.contextSize`). */
  contextSize: number;
  /** Sequences on the context (the server runs 2: completion and chat). */
  sequences: number;
  /** What the model is chosen for: completion, chat, or both (one file serves both). */
  role: 'completion' | 'chat' | 'both';
  /**
   * A Llama the server already has. Without it node-llama-cpp loads its addon without a backend
   * (no model, no GPU), once per process, for the type sizes its estimates use.
   */
  llama?: Llama;
}

/** A fill-in-the-middle token as the file has it. */
export interface FimToken {
  id: number;
  text: string;
}

/** What a model file is, what it needs, and what the user should know before it is loaded. */
export interface ModelInspection extends GgufInfo {
  ok: true;
  /** The context length the model was trained with (`{arch}.context_length`). */
  trainContextSize: number;
  /** The FIM tokens llama.cpp will use, with their texts; null when any of the three is missing. */
  fimTokens: { prefix: FimToken; suffix: FimToken; middle: FimToken } | null;
  /** Whether this llama.cpp build knows the architecture (node-llama-cpp's `isSupportedByLlamaCpp`). */
  supportedByLlamaCpp: boolean;
  /** Whether the model looks tuned for chat rather than completion: see {@link chatModelReason}. */
  chatModel: boolean;
  /** Estimated memory on the CPU, in bytes: the weights, and the context (KV cache, graph, outputs). */
  memory: { weights: number; context: number; total: number };
  /** Memory available now, in bytes. */
  freeMemory: number;
  /** Sentences for the user; empty when nothing stands out. */
  warnings: string[];
}

/**
 * Inspects a model file before it is loaded: {@link readModelFile} first (a file that fails it
 * never reaches code that calls into llama.cpp), then node-llama-cpp's GgufInsights for the
 * parameters and the memory a configuration needs, and warnings in words a user understands.
 *
 * The memory comes from the synchronous `estimateModelResourceRequirements` and
 * `estimateContextResourceRequirements`, deprecated but computed in JavaScript from the tensor
 * infos (asking the addon only for ggml type sizes). Their V2 successors run llama.cpp's own
 * loader on the file in a simulation, which is what this check exists to keep away from a file
 * until it has been checked, and takes far longer.
 */
export async function inspectModelFile(path: string, options: InspectOptions): Promise<ModelInspection | { ok: false; reason: string }> {
  const checked = await readModelFile(path);
  if (!checked.ok) return checked;
  const { info, fileInfo, scan } = checked;
  const { GgufInsights } = await nodeLlamaCpp();
  const insights = await GgufInsights.from(fileInfo, options.llama);
  const weights = insights.estimateModelResourceRequirements({ gpuLayers: 0, useMmap: false }).cpuRam;
  const context = insights.estimateContextResourceRequirements({
    contextSize: options.contextSize,
    modelGpuLayers: 0,
    sequences: options.sequences,
    batchSize: BATCH_SIZE,
    flashAttention: FLASH_ATTENTION,
  }).cpuRam;
  const memory = { weights, context, total: weights + context };
  const freeMemory = await availableMemory();

  const meta = new Meta(fileInfo, scan);
  const tokens = meta.stringArray('tokenizer.ggml.tokens') ?? [];
  const token = (id: number): FimToken => ({ id, text: tokens[id] });
  const fimTokens = info.fim && { prefix: token(info.fim.prefix), suffix: token(info.fim.suffix), middle: token(info.fim.middle) };
  const names = ['general.name', 'general.finetune', 'general.basename']
    .map((key) => meta.get(key))
    .filter((v): v is string => typeof v === 'string');
  const chatReason = chatModelReason(names, info);
  const inspection: ModelInspection = {
    ...info,
    ok: true,
    trainContextSize: insights.trainContextSize ?? info.contextLength,
    fimTokens,
    supportedByLlamaCpp: insights.isSupportedByLlamaCpp,
    chatModel: chatReason !== undefined,
    memory,
    freeMemory,
    warnings: [],
  };
  inspection.warnings = warningsFor(inspection, options, chatReason);
  return inspection;
}

/**
 * Why a model looks tuned for chat (an instruct model) rather than for completion, or undefined
 * when it does not: its `general.name`, `general.finetune` or `general.basename` says "instruct"
 * or "chat" (Qwen2.5-Coder-1.5B-Instruct, deepseek-coder-6.7b-instruct, CodeLlama-7b-Instruct,
 * Llama-3-8B-Chat), or it has a chat template and no fill-in-the-middle tokens. Base code models
 * often ship a chat template too (Qwen2.5-Coder's base GGUFs do), so the template alone says
 * nothing; FIM tokens are what a model trained for code completion has.
 */
export function chatModelReason(names: readonly string[], info: Pick<GgufInfo, 'hasChatTemplate' | 'fim'>): string | undefined {
  for (const name of names) {
    const word = /instruct|chat/i.exec(name)?.[0];
    if (word) return `its name says "${word}"`;
  }
  return info.hasChatTemplate && info.fim === null ? 'it has a chat template and no fill-in-the-middle tokens' : undefined;
}

function warningsFor(m: ModelInspection, options: InspectOptions, chatReason: string | undefined): string[] {
  const warnings: string[] = [];
  if (!m.supportedByLlamaCpp) {
    warnings.push(`The architecture "${m.architecture}" of ${m.name} is not supported by this llama.cpp: it will not load.`);
  }
  if (m.memory.total > m.freeMemory) {
    const sequences = options.sequences > 1 ? ` with ${options.sequences} sequences` : '';
    warnings.push(
      `${m.name} needs about ${formatBytes(m.memory.total)} at a ${options.contextSize}-token context${sequences}; ${formatBytes(m.freeMemory)} is free. ` +
        'Close other programs, lower slmAssist.model.contextSize, or choose a smaller model.',
    );
  }
  if (options.role !== 'chat') {
    if (chatReason) {
      warnings.push(
        `${m.name} looks like an instruct (chat) model (${chatReason}): it completes code less well than a base model. For completion, choose a base code model with fill-in-the-middle tokens.`,
      );
    }
    if (!m.fim) warnings.push(`${m.name} has no fill-in-the-middle tokens: completions use the text before the cursor only.`);
  }
  if (options.role !== 'completion' && !m.hasChatTemplate) {
    warnings.push(
      `${m.name} has no chat template: it looks like a base model, so summaries and explanations will be poor. Set slmAssist.chatModel.path to a chat (instruct) model.`,
    );
  }
  if (!m.fourBit) {
    warnings.push(`${m.name} is ${m.quantization}, not 4-bit: it needs more memory and runs slower (Q4_K_M is recommended).`);
  }
  return warnings;
}

/**
 * Memory available to a new process now: Linux's MemAvailable (free memory plus the page cache
 * and buffers it can reclaim, which `os.freemem()` leaves out), else `os.freemem()`.
 */
export async function availableMemory(): Promise<number> {
  if (process.platform === 'linux') {
    try {
      const match = /^MemAvailable:\s+(\d+) kB$/m.exec(await readFile('/proc/meminfo', 'utf8'));
      if (match) return Number(match[1]) * 1024;
    } catch {
      // No /proc (a sandbox): fall back.
    }
  }
  return freemem();
}

/** `1.6 GiB`, `0.9 GiB`; below a tenth of a GiB, `40 MiB`. */
export function formatBytes(bytes: number): string {
  const gib = bytes / 2 ** 30;
  return gib >= 0.1 ? `${gib.toFixed(1)} GiB` : `${Math.max(1, Math.round(bytes / 2 ** 20))} MiB`;
}
