/**
 * Splits a long text into pieces of at most `maxTokens` tokens along its structure, so each
 * piece can be summarized on its own: top-level declarations in code, headings in Markdown,
 * paragraphs in prose. Blocks are packed greedily in order; a block larger than a piece is cut
 * at line ends, and a line larger than a piece by characters.
 */
export function splitByStructure(text: string, maxTokens: number, countTokens: (text: string) => number): string[] {
  if (maxTokens < 1) throw new RangeError(`maxTokens must be at least 1, got ${maxTokens}`);
  const pieces: string[] = [];
  let current = '';
  let currentTokens = 0;
  const flush = (): void => {
    if (current.trim() !== '') pieces.push(current);
    current = '';
    currentTokens = 0;
  };
  for (const block of blocks(text)) {
    const tokens = countTokens(block);
    if (tokens > maxTokens) {
      flush();
      for (const part of cutBlock(block, maxTokens, countTokens)) pieces.push(part);
      continue;
    }
    if (currentTokens + tokens > maxTokens) flush();
    current += block;
    currentTokens += tokens;
  }
  flush();
  return pieces;
}

/**
 * The text's blocks, in order, each with its trailing line breaks; joined they give the text
 * back. A block starts at a Markdown heading, at a non-indented line that follows a blank line
 * (a top-level declaration or a paragraph), or at a non-indented declaration keyword line.
 */
export function blocks(text: string): string[] {
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const out: string[] = [];
  let current = '';
  let previousBlank = false;
  for (const line of lines) {
    const blank = line.trim() === '';
    if (current !== '' && !blank && startsBlock(line, previousBlank)) {
      out.push(current);
      current = '';
    }
    current += line;
    previousBlank = blank;
  }
  if (current !== '') out.push(current);
  return out;
}

const declaration =
  /^(export\s+|public\s+|private\s+|async\s+|static\s+)*(function|class|interface|def|fn|func|impl|struct|enum|type|module|namespace|trait|const|let|var|package)\b/;

function startsBlock(line: string, previousBlank: boolean): boolean {
  if (/^#{1,6}\s/.test(line)) return true;
  const indented = /^\s/.test(line);
  if (indented) return false;
  return previousBlank || declaration.test(line);
}

function cutBlock(block: string, maxTokens: number, countTokens: (text: string) => number): string[] {
  const out: string[] = [];
  let current = '';
  let currentTokens = 0;
  for (const line of block.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
    const tokens = countTokens(line);
    if (tokens > maxTokens) {
      if (current) out.push(current);
      current = '';
      currentTokens = 0;
      out.push(...cutLine(line, maxTokens, countTokens));
      continue;
    }
    if (currentTokens + tokens > maxTokens && current) {
      out.push(current);
      current = '';
      currentTokens = 0;
    }
    current += line;
    currentTokens += tokens;
  }
  if (current) out.push(current);
  return out;
}

function cutLine(line: string, maxTokens: number, countTokens: (text: string) => number): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > 0) {
    // Start from a guess of 3 characters a token and halve until the part fits.
    let size = Math.min(rest.length, maxTokens * 3);
    while (size > 1 && countTokens(rest.slice(0, size)) > maxTokens) size = Math.floor(size / 2);
    // Never cut a surrogate pair in half.
    if (size < rest.length && /[\uD800-\uDBFF]/.test(rest[size - 1])) size = size > 1 ? size - 1 : size + 1;
    out.push(rest.slice(0, size));
    rest = rest.slice(size);
  }
  return out;
}
