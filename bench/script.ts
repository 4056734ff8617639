import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position } from 'vscode-languageserver-protocol';

/** A real source file the benchmark types into (see bench/fixtures/README.md). */
export interface Fixture {
  uri: string;
  languageId: string;
  text: string;
}

/** One step of the typing script. */
export type Step =
  /** Put the cursor at the end of the first line equal to `line` (trimmed) after the line containing `near`. */
  | { kind: 'moveTo'; uri: string; near: string; line: string }
  /** Type `text` one character per keystroke; a line break also inserts the line's indentation, as an editor does. */
  | { kind: 'type'; text: string }
  /** Accept the suggestion shown last: its whole text is inserted in one edit. */
  | { kind: 'accept' }
  /** Put the cursor at the end of the line `lines` below the cursor's, in the same document. */
  | { kind: 'moveBy'; lines: number }
  /** Go back to where the cursor was when it last left `uri`. */
  | { kind: 'back'; uri: string }
  /** The typist stops for `ms` before the next keystroke (reads, thinks). */
  | { kind: 'pause'; ms: number };

/** How the cursor came to where a keystroke is typed: the first keystroke after a move says so. */
export type Arrival = 'start' | 'move' | 'switch' | 'return';

const PARSER = 'file:///bench/jinja-parser.ts';
const CONNECTION = 'file:///bench/jsonrpc-connection.js';

/** The fixtures, by URI: the file names on disk carry `.txt` so that no tool type-checks or lints them. */
export function loadFixtures(dir: string): Fixture[] {
  return [
    { uri: PARSER, languageId: 'typescript', text: readFileSync(join(dir, 'jinja-parser.ts.txt'), 'utf8') },
    { uri: CONNECTION, languageId: 'javascript', text: readFileSync(join(dir, 'jsonrpc-connection.js.txt'), 'utf8') },
  ];
}

/**
 * The typing script: two lines typed in one function, a move to another function of the same
 * file, a line there, a suggestion accepted and a few more characters, then a line in a function
 * of another file. Every position is deep enough in its file for a full prefix window.
 */
export const SCRIPT: readonly Step[] = [
  { kind: 'moveTo', uri: PARSER, near: 'function parseMultiplicativeExpression', line: 'let left = parsePowerExpression();' },
  { kind: 'type', text: '\nconst start = current;\nif (!left) return left;' },
  { kind: 'moveTo', uri: PARSER, near: 'function parseIfStatement', line: 'const alternate: Statement[] = [];' },
  { kind: 'type', text: '\nlet depth = 0;' },
  { kind: 'accept' },
  { kind: 'type', text: '\n// ' },
  { kind: 'moveTo', uri: CONNECTION, near: 'sendRequest: (type, ...args) => {', line: 'throwIfNotListening();' },
  { kind: 'type', text: '\nconst started = Date.now();' },
];

/** One edit the typist makes, and where the cursor is after it. */
export interface Keystroke {
  /** 0-based, in script order. */
  index: number;
  uri: string;
  /** Where `text` is inserted. */
  at: Position;
  text: string;
  /** The cursor after the edit: where the completion is asked for. */
  cursor: Position;
  kind: 'char' | 'newline' | 'accept';
  /** The first keystroke after a move to another place. */
  afterMove: boolean;
  /** On the first keystroke after a move: a start, a move in the same document, a switch to another, a return to where the user was. */
  arrival?: Arrival;
  /** Pause steps just before this keystroke, in milliseconds. */
  pauseBeforeMs: number;
}

/**
 * Replays {@link SCRIPT} on its own copy of the documents, one keystroke at a time. The accepted
 * text comes from the caller (the suggestion the server showed), so two replays can make exactly the
 * same edits.
 */
export class Typist {
  private readonly documents = new Map<string, TextDocument>();
  private readonly steps: Step[];
  private uri = '';
  private offset = 0;
  private pending: string[] = [];
  private moved = false;
  private arrival?: Arrival;
  private pause = 0;
  /** Where the cursor was in each document it left. */
  private readonly left = new Map<string, number>();
  private count = 0;

  constructor(fixtures: readonly Fixture[], script: readonly Step[] = SCRIPT) {
    for (const f of fixtures) this.documents.set(f.uri, TextDocument.create(f.uri, f.languageId, 1, f.text));
    this.steps = [...script];
  }

  /** The current text of a document. */
  text(uri: string): string {
    return this.document(uri).getText();
  }

  /**
   * The next keystroke, or undefined at the end of the script. `accepted` supplies the text of an
   * accept step, given that keystroke's index; an empty text skips the step.
   */
  next(accepted: (index: number) => string): Keystroke | undefined {
    for (;;) {
      if (this.pending.length > 0) return this.keystroke(this.pending.shift()!, false);
      const step = this.steps.shift();
      if (!step) return undefined;
      if (step.kind === 'moveTo') this.moveTo(step);
      else if (step.kind === 'moveBy') this.moveBy(step.lines);
      else if (step.kind === 'back') this.back(step.uri);
      else if (step.kind === 'pause') this.pause += step.ms;
      else if (step.kind === 'type') this.pending = [...step.text];
      else {
        const text = accepted(this.count);
        if (text) return this.keystroke(text, true);
      }
    }
  }

  private document(uri: string): TextDocument {
    const document = this.documents.get(uri);
    if (!document) throw new Error(`no fixture for ${uri}`);
    return document;
  }

  private moveTo(step: Extract<Step, { kind: 'moveTo' }>): void {
    const lines = this.text(step.uri).split('\n');
    const near = lines.findIndex((l) => l.includes(step.near));
    const line = lines.findIndex((l, i) => i > near && l.trim() === step.line);
    if (near < 0 || line < 0) throw new Error(`script: "${step.line}" after "${step.near}" not found in ${step.uri}`);
    this.go(step.uri, this.document(step.uri).offsetAt({ line, character: lines[line].length }), undefined);
  }

  private moveBy(count: number): void {
    const document = this.document(this.uri);
    const line = Math.min(document.lineCount - 1, Math.max(0, document.positionAt(this.offset).line + count));
    const end = document.offsetAt({ line: line + 1, character: 0 });
    const text = document.getText();
    const lineEnd = end > 0 && text[end - 1] === '\n' ? end - 1 : end;
    this.go(this.uri, lineEnd, 'move');
  }

  private back(uri: string): void {
    const offset = this.left.get(uri);
    if (offset === undefined) throw new Error(`script: the cursor never left ${uri}`);
    this.go(uri, offset, 'return');
  }

  private go(uri: string, offset: number, arrival: Arrival | undefined): void {
    if (this.uri) this.left.set(this.uri, this.offset);
    this.arrival = arrival ?? (!this.uri ? 'start' : uri === this.uri ? 'move' : 'switch');
    this.uri = uri;
    this.offset = offset;
    this.moved = true;
  }

  private keystroke(typed: string, accept: boolean): Keystroke {
    const document = this.document(this.uri);
    const text = document.getText();
    let insert = typed;
    if (!accept && typed === '\n') {
      const lineStart = text.lastIndexOf('\n', this.offset - 1) + 1;
      insert = '\n' + /^[ \t]*/.exec(text.slice(lineStart))![0];
    }
    const at = document.positionAt(this.offset);
    TextDocument.update(document, [{ range: { start: at, end: at }, text: insert }], document.version + 1);
    this.offset += insert.length;
    const keystroke: Keystroke = {
      index: this.count++,
      uri: this.uri,
      at,
      text: insert,
      cursor: document.positionAt(this.offset),
      kind: accept ? 'accept' : typed === '\n' ? 'newline' : 'char',
      afterMove: this.moved,
      arrival: this.moved ? this.arrival : undefined,
      pauseBeforeMs: this.pause,
    };
    this.moved = false;
    this.pause = 0;
    return keystroke;
  }
}
