import { statSync } from 'node:fs';
import { BROKEN_KINDS, isBrokenKind, writeBroken } from './broken';
import { writeKnownModel } from './knownModel';
import { QUANTS, type Quant, writeModel } from './models';
import { isShapeName, SHAPE_NAMES } from './shapes';

/**
 * npm run make-model -- --shape <tiny|qwen2.5-coder-0.5b|qwen2.5-coder-1.5b|known> --out FILE
 *                       [--quant Q4_0|Q8_0|F16] [--no-fim] [--context-length N]
 * npm run make-model -- --broken KIND --out FILE
 */

const USAGE = `usage: make-model --shape <${[...SHAPE_NAMES, 'known'].join('|')}> --out FILE [--quant ${QUANTS.join('|')}] [--no-fim] [--context-length N]
       make-model --broken <${BROKEN_KINDS.join('|')}> --out FILE`;

class UsageError extends Error {}

interface Args {
  shape?: string;
  out?: string;
  quant?: string;
  fim: boolean;
  broken?: string;
  contextLength?: number;
}

export function parseArgs(argv: string[]): Args {
  const args: Args = { fim: true };
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      // --flag=value
      argv = [...argv.slice(0, i), arg.slice(0, eq), arg.slice(eq + 1), ...argv.slice(i + 1)];
      i--;
      continue;
    }
    switch (arg) {
      case '--shape':
        args.shape = value(i++, arg);
        break;
      case '--out':
        args.out = value(i++, arg);
        break;
      case '--quant':
        args.quant = value(i++, arg);
        break;
      case '--broken':
        args.broken = value(i++, arg);
        break;
      case '--context-length': {
        const n = Number(value(i++, arg));
        if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--context-length must be a positive integer`);
        args.contextLength = n;
        break;
      }
      case '--no-fim':
        args.fim = false;
        break;
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown argument: ${arg}`);
    }
  }
  if (!args.out) throw new UsageError('--out is required');
  if (args.broken !== undefined) {
    if (!isBrokenKind(args.broken)) throw new UsageError(`unknown --broken kind: ${args.broken}`);
    if (args.shape || args.quant || !args.fim) throw new UsageError('--broken takes no --shape, --quant or --no-fim');
  } else {
    if (!args.shape) throw new UsageError('--shape is required');
    if (!isShapeName(args.shape) && args.shape !== 'known') throw new UsageError(`unknown --shape: ${args.shape}`);
    if (args.quant !== undefined && !(QUANTS as readonly string[]).includes(args.quant)) {
      throw new UsageError(`unknown --quant: ${args.quant}`);
    }
    if (args.shape === 'known' && args.quant !== undefined) throw new UsageError('the known model is F32; it takes no --quant');
  }
  return args;
}

function main(): number {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (e.message) console.error(`make-model: ${e.message}`);
    console.error(USAGE);
    return e.message ? 2 : 0;
  }
  const out = args.out!;
  const start = performance.now();
  if (args.broken !== undefined && isBrokenKind(args.broken)) {
    writeBroken(args.broken, out);
  } else if (args.shape === 'known') {
    writeKnownModel(out, { fim: args.fim, contextLength: args.contextLength });
  } else if (args.shape && isShapeName(args.shape)) {
    writeModel(out, { shape: args.shape, quant: args.quant as Quant | undefined, fim: args.fim, contextLength: args.contextLength });
  }
  const bytes = statSync(out).size;
  const seconds = (performance.now() - start) / 1000;
  console.log(`${out}  ${bytes} bytes (${(bytes / 2 ** 20).toFixed(1)} MiB)  ${seconds.toFixed(2)} s`);
  return 0;
}

if (require.main === module) process.exitCode = main();
