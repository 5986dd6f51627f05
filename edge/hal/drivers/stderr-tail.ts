/**
 * The last few lines a child process wrote to stderr, bounded in lines and line length, so a process that
 * floods stderr for days cannot grow memory; what is kept is what explains a failure (ffmpeg prints the
 * reason last).
 */
const DEFAULT_MAX_LINES = 20;
const DEFAULT_MAX_LINE_CHARS = 400;

export class StderrTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(
    private readonly maxLines = DEFAULT_MAX_LINES,
    private readonly maxLineChars = DEFAULT_MAX_LINE_CHARS,
  ) {}

  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const parts = text.split(/\r?\n|\r/);
    this.partial = parts.pop()!.slice(-this.maxLineChars);
    for (const line of parts) {
      if (line.trim() === '') continue;
      this.lines.push(line.length > this.maxLineChars ? line.slice(0, this.maxLineChars) + '…' : line);
      if (this.lines.length > this.maxLines) this.lines.shift();
    }
  }

  /** The kept lines, oldest first, including an unterminated last line. */
  text(): string {
    const all = this.partial.trim() === '' ? this.lines : [...this.lines, this.partial];
    return all.join('\n');
  }

  clear(): void {
    this.lines.length = 0;
    this.partial = '';
  }
}
