/**
 * PKCS#11 v2.40 §5.2: a session does one operation at a time, and login state
 * is shared by every session of the application on a slot. So work on a slot
 * runs one job after another.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T> | T): Promise<T> {
    const next = this.tail.then(job, job);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
