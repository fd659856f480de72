// Number options of the subcommands, parsed one way: a clear UsageError naming the flag and the bad value.
import { UsageError } from './command.js';

export interface NumberRule {
  /** Smallest allowed value (inclusive unless `exclusiveMin`). */
  min?: number;
  exclusiveMin?: boolean;
  /** Largest allowed value (inclusive). */
  max?: number;
  /** Whole numbers only. */
  integer?: boolean;
}

/** Parses a flag's text as a number within `rule`; `fallback` when the flag was not given. */
export function numberOption(
  text: string | undefined,
  name: string,
  fallback: number,
  rule?: NumberRule,
): number;
export function numberOption(
  text: string | undefined,
  name: string,
  fallback?: number,
  rule?: NumberRule,
): number | undefined;
export function numberOption(
  text: string | undefined,
  name: string,
  fallback?: number,
  rule: NumberRule = {},
) {
  if (text === undefined) return fallback;
  const value = Number(text);
  const belowMin = rule.min !== undefined && (rule.exclusiveMin ? !(value > rule.min) : !(value >= rule.min));
  const aboveMax = rule.max !== undefined && !(value <= rule.max);
  if (
    text.trim() === '' ||
    !Number.isFinite(value) ||
    (rule.integer && !Number.isInteger(value)) ||
    belowMin ||
    aboveMax
  ) {
    const kind = rule.integer ? 'a whole number' : 'a number';
    const lo = rule.min === undefined ? '' : ` ${rule.exclusiveMin ? '>' : '>='} ${rule.min}`;
    const hi = rule.max === undefined ? '' : `${lo ? ' and' : ''} <= ${rule.max}`;
    throw new UsageError(`${name} wants ${kind}${lo}${hi}, got '${text}'`);
  }
  return value;
}

/** A positive number (> 0). */
export function positiveOption(
  text: string | undefined,
  name: string,
  fallback?: number,
): number | undefined {
  return numberOption(text, name, fallback, { min: 0, exclusiveMin: true });
}
