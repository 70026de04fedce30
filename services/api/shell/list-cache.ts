/*
 * Rendered lists, per projection sequence (issue "Hardening" 7). A list is a pure function of the
 * projection at one sequence and of its filters, so while the sequence stands every `service ls`
 * or `service ps` of the same filters is the same text: render it once, send it many times.
 */
export class ListCache {
  private seq = -1;
  private readonly texts = new Map<string, Buffer>();

  /**
   * @param seqOf the projection's last applied sequence.
   * @param maxEntries distinct (route, filters) kept per sequence; all dropped when exceeded. Default 256.
   */
  constructor(private readonly seqOf: () => number, private readonly maxEntries = 256) {}

  /** The JSON text of `render()` for `key` at the current sequence, encoded once (UTF-8). */
  text(key: string, render: () => unknown): Buffer {
    const seq = this.seqOf();
    if (seq !== this.seq) {
      this.texts.clear();
      this.seq = seq;
    }
    let text = this.texts.get(key);
    if (text === undefined) {
      text = Buffer.from(JSON.stringify(render()));
      // render() read the state synchronously, so it belongs to `seq`.
      if (this.texts.size >= this.maxEntries) this.texts.clear();
      this.texts.set(key, text);
    }
    return text;
  }
}
