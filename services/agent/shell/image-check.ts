/** How long an image found on the engine is taken as there without asking it again, ms. */
export const IMAGE_CHECK_MS = 10_000;

/**
 * The per-task image check (inspect, else pull) shared between tasks: a deploy of n tasks of one
 * image asked the engine n times, each an inspect competing with the creates (measured 9 ms on a
 * quiet machine, 290 ms under load). Checks of one image in flight are one check; an image found
 * (or pulled) is taken as there for `ttlMs`. A check that did not leave the image there (a failed
 * pull) or threw is not kept, so the next task asks again. `forget` drops an image the engine no
 * longer has (create answered `No such image`), so the caller checks (pulls) it again.
 */
export class ImageCheck {
  private readonly found = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly ttlMs = IMAGE_CHECK_MS, private readonly now: () => number = Date.now) {}

  /** `check` resolves true when the image is on the engine afterwards. */
  ensure(image: string, check: () => Promise<boolean>): Promise<void> {
    const at = this.found.get(image);
    if (at !== undefined && this.now() - at < this.ttlMs) return Promise.resolve();
    const pending = this.inFlight.get(image);
    if (pending) return pending;
    const p = check().then((there) => {
      if (there) this.found.set(image, this.now());
      else this.found.delete(image);
    }, (err: unknown) => {
      this.found.delete(image);
      throw err;
    }).finally(() => this.inFlight.delete(image));
    this.inFlight.set(image, p);
    return p;
  }

  /** Drops what is known of `image`; true if it was taken as there. */
  forget(image: string): boolean {
    const at = this.found.get(image);
    this.found.delete(image);
    return at !== undefined && this.now() - at < this.ttlMs;
  }
}
