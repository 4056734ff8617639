/**
 * How "Insert as comment" writes an answer in each language (and which line comment other-file
 * snippets are quoted in, on the server): a table of comment tokens per VS Code
 * languageId and a formatter, without `vscode` so both can be unit-tested.
 */

/** The comment tokens of one language. A line token is preferred when a language has both. */
export interface CommentSyntax {
  /** Line comment token, e.g. `//` or `#`. */
  line?: string;
  /** Block comment: opening and closing token, and what starts each line inside (` * ` in C). */
  block?: { open: string; close: string; prefix: string };
}

const SLASHES: CommentSyntax = { line: '//' };
const HASH: CommentSyntax = { line: '#' };
const DASHES: CommentSyntax = { line: '--' };
const PERCENT: CommentSyntax = { line: '%' };
const SEMICOLON: CommentSyntax = { line: ';' };
const SEMICOLONS: CommentSyntax = { line: ';;' };
const MARKUP: CommentSyntax = { block: { open: '<!--', close: '-->', prefix: '' } };
const C_BLOCK: CommentSyntax = { block: { open: '/*', close: ' */', prefix: ' * ' } };

/** The languages by group; a languageId missing here has no comment syntax (`plaintext`, `json`). */
const GROUPS: [CommentSyntax, string[]][] = [
  [
    SLASHES,
    [
      'typescript',
      'typescriptreact',
      'javascript',
      'javascriptreact',
      'c',
      'cpp',
      'cuda-cpp',
      'csharp',
      'java',
      'go',
      'rust',
      'swift',
      'kotlin',
      'scala',
      'dart',
      'php',
      'objective-c',
      'objective-cpp',
      'groovy',
      'fsharp',
      'zig',
      'solidity',
      'proto3',
      'glsl',
      'hlsl',
      'wgsl',
      'jsonc',
      'json5',
      'scss',
      'less',
      'sass',
      'haxe',
      'd',
      'v',
      'odin',
      'verilog',
      'systemverilog',
      'typespec',
      'prisma',
    ],
  ],
  [
    HASH,
    [
      'python',
      'shellscript',
      'ruby',
      'perl',
      'r',
      'yaml',
      'toml',
      'dockerfile',
      'makefile',
      'powershell',
      'coffeescript',
      'elixir',
      'julia',
      'nim',
      'crystal',
      'tcl',
      'cmake',
      'terraform',
      'hcl',
      'nix',
      'graphql',
      'properties',
      'dotenv',
      'ignore',
      'awk',
      'raku',
      'starlark',
      'gdscript',
      'fish',
      'just',
      'requirements',
      'pip-requirements',
      'sshconfig',
      'nginx',
      'apacheconf',
    ],
  ],
  [DASHES, ['sql', 'lua', 'haskell', 'elm', 'ada', 'vhdl', 'purescript', 'plsql', 'idris', 'agda']],
  [PERCENT, ['latex', 'tex', 'bibtex', 'matlab', 'erlang', 'prolog', 'octave']],
  [SEMICOLON, ['ini', 'asm', 'nasm', 'autohotkey']],
  [SEMICOLONS, ['clojure', 'lisp', 'scheme', 'racket', 'fennel', 'commonlisp']],
  [MARKUP, ['html', 'markdown', 'xml', 'xsl', 'svg', 'xhtml', 'mdx', 'handlebars', 'jinja-html', 'django-html']],
  [C_BLOCK, ['css', 'postcss']],
  [{ line: "'" }, ['vb', 'vba']],
  [{ line: 'REM' }, ['bat']],
  [{ line: '"' }, ['vim', 'viml']],
  [{ line: '!' }, ['fortran', 'fortran-modern', 'FortranFreeForm']],
];

/** Comment syntax by VS Code languageId. */
export const COMMENT_SYNTAX: ReadonlyMap<string, CommentSyntax> = new Map(
  GROUPS.flatMap(([syntax, languages]) => languages.map((language) => [language, syntax] as const)),
);

/** The comment syntax of a languageId, or `undefined` when it has none. */
export function commentSyntaxFor(languageId: string): CommentSyntax | undefined {
  return COMMENT_SYNTAX.get(languageId);
}

/** Lines of comments are wrapped to this many columns, indentation and comment token included. */
export const COMMENT_WIDTH = 100;

/**
 * Turns `text` into a comment for `languageId`, every line starting with `indent`, wrapped at
 * `width` columns (a word longer than a line stays whole). Returns `undefined` for a language
 * without comments and `''` for blank text. The result ends with a newline, ready to insert above a
 * line.
 */
export function formatAsComment(text: string, languageId: string, indent: string, width = COMMENT_WIDTH): string | undefined {
  const syntax = commentSyntaxFor(languageId);
  if (!syntax) return undefined;
  const paragraphs = trimBlankLines(
    text
      .replace(/\r\n?/g, '\n')
      .split('\n')
      .map((line) => line.trimEnd()),
  );
  if (paragraphs.length === 0) return '';
  if (syntax.line) {
    const token = syntax.line;
    const lines = wrapAll(paragraphs, width - indent.length - token.length - 1);
    return lines.map((line) => (line ? `${indent}${token} ${line}` : `${indent}${token}`)).join('\n') + '\n';
  }
  const { open, close, prefix } = syntax.block!;
  // The closing token inside the text would end the comment early.
  const safe = paragraphs.map((line) => line.split(close.trim()).join(breakToken(close.trim())));
  const lines = wrapAll(safe, width - indent.length - prefix.length);
  const body = lines.map((line) => `${indent}${prefix}${line}`.trimEnd());
  return [`${indent}${open}`, ...body, `${indent}${close}`].join('\n') + '\n';
}

/** Wraps every line; blank lines stay as paragraph breaks. */
function wrapAll(lines: string[], width: number): string[] {
  return lines.flatMap((line) => wrapLine(line, Math.max(width, 20)));
}

/**
 * Wraps one line at word boundaries. Continuation lines keep the line's own indentation, and a
 * list item's continuation lines hang under its text (`- `, `* `, `1. `).
 */
export function wrapLine(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const lead = /^(\s*)((?:[-*+]|\d+[.)])\s+)?/.exec(line)![0];
  const hanging = ' '.repeat(lead.length);
  const words = line.slice(lead.length).split(/\s+/).filter(Boolean);
  const out: string[] = [];
  let current = lead;
  let empty = true;
  for (const word of words) {
    if (!empty && current.length + 1 + word.length > width) {
      out.push(current);
      current = hanging + word;
    } else {
      current = empty ? current + word : `${current} ${word}`;
    }
    empty = false;
  }
  out.push(current);
  return out;
}

function trimBlankLines(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && !lines[start]) start++;
  while (end > start && !lines[end - 1]) end--;
  return lines.slice(start, end);
}

/** `-->` becomes `-- >`, `*\/` becomes `* /`. */
function breakToken(token: string): string {
  return `${token.slice(0, -1)} ${token.slice(-1)}`;
}
