// Scheduling for work that input can request far more often than the screen
// shows it, such as decoding while a slider moves.

/**
 * Runs an async task at most once per animation frame, and never two runs at
 * once. Requests that arrive while a run is under way fold into one more run
 * after it. The task reads the newest input itself, so a slow run delays the
 * next one instead of building a backlog.
 */
export class FrameTask {
  private readonly task: () => Promise<void>;
  private frame: number | null;
  private running: boolean;
  private runAgain: boolean;

  constructor(task: () => Promise<void>) {
    this.task = task;
    this.frame = null;
    this.running = false;
    this.runAgain = false;
  }

  /** Schedules a run at the next animation frame, unless one is scheduled already. */
  request(): void {
    if (this.frame !== null) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      void this.run();
    });
  }

  /** Drops a scheduled run; a run under way finishes. */
  cancel(): void {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    this.runAgain = false;
  }

  private async run(): Promise<void> {
    if (this.running) {
      this.runAgain = true;
      return;
    }
    this.running = true;
    try {
      await this.task();
    } finally {
      this.running = false;
      if (this.runAgain) {
        this.runAgain = false;
        this.request();
      }
    }
  }
}
