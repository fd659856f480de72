// Explicit tensor lifetimes (tfjs-style). Native memory is not reclaimed by the garbage collector inside a
// synchronous loop, so every tensor made inside `tidy(fn)` is freed when fn returns, except what fn returns
// and what was `keep()`-ed. A finalizer on the native handle remains only as a safety net.

/** What the scope machinery needs of a tensor (implemented by Tensor). */
export interface Tracked {
  /** The scope currently owning this tensor, or null when kept / untracked. */
  scope: Set<Tracked> | null;
  dispose(): void;
  readonly isDisposed: boolean;
}

const stack: Set<Tracked>[] = [];

/** Hook run when an outermost scope closes (set by native.ts: returns freed heap pages to the system). */
let onOutermostExit: (() => void) | null = null;
export function setOutermostExitHook(hook: () => void): void {
  onOutermostExit = hook;
}

/** Called by every new tensor: it belongs to the innermost open scope, if any. */
export function track(t: Tracked): void {
  const top = stack[stack.length - 1];
  if (top) {
    top.add(t);
    t.scope = top;
  }
}

/** Removes a tensor from scope management: it lives until `dispose()` (or the GC safety net). */
export function keep<T extends Tracked>(t: T): T {
  t.scope?.delete(t);
  t.scope = null;
  return t;
}

function collect(value: unknown, out: Set<Tracked>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 4) return;
  if ('scope' in value && 'dispose' in value && 'isDisposed' in value) {
    out.add(value as Tracked);
    return;
  }
  const items = Array.isArray(value)
    ? value
    : value instanceof Map
      ? [...value.values()]
      : Object.values(value);
  for (const item of items) collect(item, out, depth + 1);
}

/**
 * Runs fn in a new scope and frees every tensor created in it except those in its result (a tensor, or
 * arrays / maps / plain objects of tensors, up to 4 levels deep), which move to the enclosing scope.
 * fn must be synchronous.
 */
export function tidy<R>(fn: () => R): R {
  const scope = new Set<Tracked>();
  stack.push(scope);
  let result: R;
  try {
    result = fn();
  } catch (err) {
    stack.pop();
    for (const t of scope) t.dispose();
    throw err;
  }
  stack.pop();
  if (result instanceof Promise) {
    for (const t of scope) t.dispose();
    throw new Error('tidy(): fn must be synchronous (it returned a Promise)');
  }
  const survivors = new Set<Tracked>();
  collect(result, survivors);
  const parent = stack[stack.length - 1] ?? null;
  for (const t of scope) {
    if (survivors.has(t)) {
      t.scope = parent;
      parent?.add(t);
    } else {
      t.dispose();
    }
  }
  if (parent === null) onOutermostExit?.();
  return result;
}

/** Depth of open scopes (for tests). */
export function scopeDepth(): number {
  return stack.length;
}
