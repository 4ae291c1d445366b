/**
 * Events waiting for `poll`, first in first out. Taking one moves a read index instead of shifting the array
 * (O(n) per event in a burst of DATA); the array is emptied whenever it has been read to the end.
 */
export class EventQueue<T> {
  private readonly items: T[] = [];
  private head = 0;

  push(item: T): void {
    this.items.push(item);
  }

  /** The oldest event, or undefined when there is none. */
  poll(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    }
    return item;
  }
}
