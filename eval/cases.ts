import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { seededRandom } from '../test/support/seededRandom';

/**
 * The cases of `npm run eval`, cut from the real source files under `test/fixtures/eval/`
 * (see its SOURCES.md): a cursor at the start of, or inside, a real line, and as the expected
 * answer the rest of that line as the file has it. The document the server sees is the file
 * with that rest removed, so the line after the cursor is the file's next line.
 */

/** Where a cursor stands on its line. */
export type CaseKind = 'lineStart' | 'inLine';

export interface EvalCase {
  /** `path:line:character`, 1-based line and 0-based character, stable for a given seed. */
  id: string;
  /** The fixture's path below the fixtures folder, with its `.txt` suffix. */
  file: string;
  /** LSP language id. */
  language: string;
  /** Zero-based line and character of the cursor. */
  line: number;
  character: number;
  kind: CaseKind;
  /** The document up to the cursor. */
  prefix: string;
  /** The document after the cursor: a line break, then the file's following lines. */
  suffix: string;
  /** The rest of the line as it really is (no line break). */
  expected: string;
}

/** Languages by the fixture's inner extension. */
const LANGUAGES: Record<string, string> = {
  ts: 'typescript',
  js: 'javascript',
  py: 'python',
  go: 'go',
  rs: 'rust',
};

/** The fixture files with a language, sorted so that the cut does not depend on directory order. */
export function fixtureFiles(root: string): Array<{ path: string; file: string; language: string }> {
  const found: Array<{ path: string; file: string; language: string }> = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const match = /\.([a-z]+)\.txt$/.exec(name);
        const language = match ? LANGUAGES[match[1]] : undefined;
        if (language) found.push({ path, file: relative(root, path).split('\\').join('/'), language });
      }
    }
  };
  walk(root);
  return found;
}

/**
 * Which lines of a file may be a case: code with something to predict. Blank lines, lines with
 * fewer than 8 characters or 3 letters or digits (`}`, `});`, `end`), comments and Python
 * docstrings are left out: the harness measures code completion, and prose inside a comment has
 * no single right continuation.
 */
export function eligibleLines(lines: string[], language: string): boolean[] {
  const eligible: boolean[] = [];
  let inDocstring = false;
  for (const line of lines) {
    const trimmed = line.trim();
    let ok = trimmed.length >= 8 && (trimmed.match(/[A-Za-z0-9]/g)?.length ?? 0) >= 3;
    if (language === 'python') {
      const quotes = (line.match(/"""|'''/g) ?? []).length;
      if (inDocstring || quotes > 0 || trimmed.startsWith('#')) ok = false;
      if (quotes % 2 === 1) inDocstring = !inDocstring;
    } else if (/^(\/\/|\/\*|\*)/.test(trimmed)) ok = false;
    eligible.push(ok);
  }
  return eligible;
}

export interface CutOptions {
  /** Seed of the cut (default 1). */
  seed?: number;
  /** Cases per language (default 32: 160 over the five languages). */
  perLanguage?: number;
  /** Lines of context a case needs above it (default 8). */
  minLine?: number;
}

/**
 * Cuts the cases: per language, a seeded shuffle of the eligible lines of its files, the first
 * `perLanguage` of them, each with its cursor at the line's start (column 0, so the indentation
 * is part of the answer) or, as often, at a seeded column inside the line after the indentation
 * and at least 4 characters before its end. Returned in file and line order, which is how the
 * harness replays them (a file's cases one after another, as someone working down it).
 */
export function cutCases(root: string, options: CutOptions = {}): EvalCase[] {
  const random = seededRandom(options.seed ?? 1);
  const perLanguage = options.perLanguage ?? 32;
  const minLine = options.minLine ?? 8;
  const byLanguage = new Map<string, Array<{ file: string; language: string; lines: string[]; line: number }>>();
  for (const { path, file, language } of fixtureFiles(root)) {
    const lines = readFileSync(path, 'utf8').replace(/\r\n/g, '\n').split('\n');
    const eligible = eligibleLines(lines, language);
    const pool = byLanguage.get(language) ?? [];
    for (let line = minLine; line < lines.length - 1; line++) if (eligible[line]) pool.push({ file, language, lines, line });
    byLanguage.set(language, pool);
  }
  const cases: EvalCase[] = [];
  for (const language of [...byLanguage.keys()].sort()) {
    const pool = byLanguage.get(language) ?? [];
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    for (const { file, lines, line } of pool.slice(0, perLanguage)) {
      const text = lines[line];
      const indent = /^\s*/.exec(text)?.[0].length ?? 0;
      const end = text.trimEnd().length;
      const inLine = random() < 0.5 && end - 4 > indent + 1;
      const character = inLine ? indent + 1 + Math.floor(random() * (end - 4 - indent)) : 0;
      cases.push({
        id: `${file}:${line + 1}:${character}`,
        file,
        language,
        line,
        character,
        kind: inLine ? 'inLine' : 'lineStart',
        prefix: [...lines.slice(0, line), text.slice(0, character)].join('\n'),
        suffix: ['', ...lines.slice(line + 1)].join('\n'),
        expected: text.slice(character),
      });
    }
  }
  return cases.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
}

/** A place in another file that the user looked at before writing a case's line (`--other-files`). */
export interface ViewedPlace {
  /** The fixture's path below the fixtures folder. */
  file: string;
  language: string;
  text: string;
  /** Zero-based line looked at. */
  line: number;
}

/** Words too common to say what code is about. */
const COMMON_WORDS = new Set(
  'const let var function return this self else elif while true false null none undefined class def from import export'
    .concat(' string number boolean type interface public private static async await break continue pass raise throw')
    .split(' '),
);

/** The identifiers (4 characters or more, common words left out) of a text. */
function identifiers(text: string): Set<string> {
  return new Set([...text.matchAll(/[A-Za-z_][A-Za-z0-9_]{3,}/g)].map((m) => m[0]).filter((w) => !COMMON_WORDS.has(w.toLowerCase())));
}

/**
 * The other fixture files of a case's folder (its package), each at the line that shares the most
 * identifiers with the 20 lines before the cursor: as someone who looked up what they are about to
 * use. Only the text before the cursor is looked at, never the expected answer.
 */
export function siblingPlaces(root: string, c: EvalCase): ViewedPlace[] {
  const folder = c.file.slice(0, c.file.lastIndexOf('/'));
  const wanted = identifiers(c.prefix.split('\n').slice(-20).join('\n'));
  return fixtureFiles(root)
    .filter((f) => f.file !== c.file && f.file.slice(0, f.file.lastIndexOf('/')) === folder)
    .map(({ path, file, language }) => {
      const text = readFileSync(path, 'utf8');
      let best = { line: 0, shared: -1 };
      text.split('\n').forEach((line, i) => {
        let shared = 0;
        for (const word of identifiers(line)) if (wanted.has(word)) shared++;
        if (shared > best.shared) best = { line: i, shared };
      });
      return { file, language, text, line: best.line };
    });
}
