// Gradient-mode scopes. Gradients themselves live on tensors (requiresGrad_, backward, grad).
import { native } from './native.js';

/** Runs fn with gradient recording off (inference, EMA updates, metrics), restoring the previous mode. */
export function noGrad<R>(fn: () => R): R {
  const previous = native.setGradEnabled(false);
  try {
    return fn();
  } finally {
    native.setGradEnabled(previous);
  }
}

/** Runs fn with gradient recording on, even inside noGrad. */
export function enableGrad<R>(fn: () => R): R {
  const previous = native.setGradEnabled(true);
  try {
    return fn();
  } finally {
    native.setGradEnabled(previous);
  }
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}
