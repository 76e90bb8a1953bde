// The point between two batches of the streamer's model.fit where the
// companion yields to the event loop and where a pause stops the fit.
//
// A fit on the main thread runs its batches as one chain of promises. On the
// WASM and CPU backends every step settles at once, so without a yield no
// HTTP request, WebSocket frame or timer of the host runs until the fit
// returns. tf.js awaits every callback of the fit, so a callback that has not
// settled keeps the next batch from starting: that is how the host panel's
// Pause reaches a fit that the host does not own.

export class FitGate {
  private hold: { released: Promise<void>; release: () => void } | null = null;

  /** True while a pause is set: the fit waits now or at its next pass. */
  get paused(): boolean {
    return this.hold !== null;
  }

  /** Makes the next pass wait until resume(); returns false when a pause was already set. */
  pause(): boolean {
    if (this.hold) return false;
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    this.hold = { released, release };
    return true;
  }

  /** Lets a held fit go on; returns false when no pause was set. */
  resume(): boolean {
    const hold = this.hold;
    if (!hold) return false;
    this.hold = null;
    hold.release();
    return true;
  }

  /**
   * Yields to the event loop once, then waits while a pause is set. Calls
   * `onHold` when the fit starts to wait, so that viewers learn that it
   * stopped only once it has.
   */
  async pass(onHold: () => void): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const hold = this.hold;
    if (!hold) return;
    onHold();
    await hold.released;
  }
}
