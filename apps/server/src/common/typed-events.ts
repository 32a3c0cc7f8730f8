import { EventEmitter } from 'node:events';

/** A typed in-process event bus; each feature declares its own event map. */
export class TypedEvents<M extends Record<string, unknown[]>> {
  private readonly emitter = new EventEmitter().setMaxListeners(50);

  emit<K extends keyof M & string>(event: K, ...args: M[K]): void {
    this.emitter.emit(event, ...args);
  }

  /** Returns the function that removes the listener. */
  on<K extends keyof M & string>(event: K, listener: (...args: M[K]) => void): () => void {
    this.emitter.on(event, listener as (...a: unknown[]) => void);
    return () => this.emitter.off(event, listener as (...a: unknown[]) => void);
  }
}
