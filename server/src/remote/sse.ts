/** One server-sent event. */
export interface SseEvent {
  /** The `event:` field, `message` when the server sent none. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  id?: string;
}

/**
 * An incremental parser of `text/event-stream` (the WHATWG "server-sent events" rules): feed it
 * decoded text in chunks split anywhere (mid-line, between `\r` and `\n`), get whole events back.
 * Lines end in `\n`, `\r\n` or `\r`; a blank line ends an event; lines starting with `:` are
 * comments (keep-alives); `data:` lines of one event are joined with `\n`; one space after the
 * colon is dropped. Unlike a browser, {@link end} also delivers an event the stream ended in
 * without its blank line, so a server that closes right after its last `data:` loses nothing.
 */
export class SseParser {
  /** Pieces of the line not yet ended (a long line arriving in many chunks is joined once). */
  private partial: string[] = [];
  /** The previous chunk ended in `\r`: a `\n` starting this one belongs to that line break. */
  private afterCr = false;
  private started = false;
  private data: string[] = [];
  private hasData = false;
  private event = '';
  private id: string | undefined;

  /** Parses the next chunk; returns the events it completed. */
  push(chunk: string): SseEvent[] {
    const events: SseEvent[] = [];
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let at = 0;
    if (this.afterCr && text.startsWith('\n')) at = 1;
    this.afterCr = false;
    // Where the next \n and \r are, found again only once passed, so a chunk costs one scan.
    let lf = -2;
    let cr = -2;
    while (at < text.length) {
      if (lf !== -1 && lf < at) lf = text.indexOf('\n', at);
      if (cr !== -1 && cr < at) cr = text.indexOf('\r', at);
      const brk = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      if (brk < 0) {
        this.partial.push(text.slice(at));
        break;
      }
      this.partial.push(text.slice(at, brk));
      const line = this.partial.join('');
      this.partial = [];
      this.line(line, events);
      if (text[brk] === '\r') {
        if (brk + 1 === text.length) this.afterCr = true;
        at = text[brk + 1] === '\n' ? brk + 2 : brk + 1;
      } else {
        at = brk + 1;
      }
    }
    return events;
  }

  /** The stream ended: returns the event it was in the middle of, if any. */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    if (this.partial.length > 0) {
      const line = this.partial.join('');
      this.partial = [];
      this.line(line, events);
    }
    this.dispatch(events);
    return events;
  }

  private line(line: string, events: SseEvent[]): void {
    if (line === '') return this.dispatch(events);
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        this.hasData = true;
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      default:
        // `retry` and unknown fields mean nothing to a fetch-based reader.
        break;
    }
  }

  private dispatch(events: SseEvent[]): void {
    if (this.hasData) {
      const event: SseEvent = { event: this.event || 'message', data: this.data.join('\n') };
      if (this.id !== undefined) event.id = this.id;
      events.push(event);
    }
    this.data = [];
    this.hasData = false;
    this.event = '';
  }
}
