/**
 * A small declarative argument parser: each command lists its options once,
 * and the same list drives parsing and the help text, so the two cannot drift.
 */
import { UsageError } from './usage_error.js';

export interface OptionSpec {
  /** Long name without the dashes: `--top` → 'top'. */
  name: string;
  /** One-letter alias, e.g. 'q' for `-q`. */
  short?: string;
  /** Takes a value (`--top 5` or `--top=5`); otherwise a boolean flag. */
  value?: string;
  /** May be given several times (values are collected in order). */
  repeatable?: boolean;
  help: string;
}

export interface ParsedArgs {
  positionals: string[];
  /** Values by option name, in the order given. */
  values: Map<string, string[]>;
  flags: Set<string>;
}

export function parseArgs(argv: readonly string[], options: readonly OptionSpec[]): ParsedArgs {
  const byName = new Map(options.map((o) => [o.name, o] as const));
  const byShort = new Map(options.filter((o) => o.short).map((o) => [o.short!, o] as const));
  const parsed: ParsedArgs = { positionals: [], values: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      parsed.positionals.push(...argv.slice(i + 1));
      break;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
      spec = byName.get(name);
      if (!spec) throw new UsageError(`unknown option --${name}`);
    } else if (/^-[a-zA-Z]$/.test(arg)) {
      spec = byShort.get(arg.slice(1));
      if (!spec) throw new UsageError(`unknown option ${arg}`);
    } else {
      parsed.positionals.push(arg);
      continue;
    }
    if (!spec.value) {
      if (inline !== undefined) throw new UsageError(`--${spec.name} takes no value`);
      parsed.flags.add(spec.name);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${spec.name} needs a value (${spec.value})`);
    const list = parsed.values.get(spec.name) ?? [];
    if (list.length > 0 && !spec.repeatable) throw new UsageError(`--${spec.name} given twice`);
    list.push(value);
    parsed.values.set(spec.name, list);
  }
  return parsed;
}

/** The single value of an option, or undefined. */
export function optionValue(args: ParsedArgs, name: string): string | undefined {
  return args.values.get(name)?.[0];
}

/** A whole number ≥ min, or a usage error naming the option. */
export function integerOption(args: ParsedArgs, name: string, fallback: number, min = 0): number {
  const raw = optionValue(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be a whole number ≥ ${min}, got "${raw}"`);
  return n;
}

/** Comma-separated finite numbers (`0.485,0.456,0.406`). */
export function numberList(raw: string, what: string): number[] {
  const parts = raw.split(',').map((s) => s.trim());
  const numbers = parts.map(Number);
  if (parts.some((p) => p === '') || numbers.some((n) => !Number.isFinite(n))) throw new UsageError(`${what} must be comma-separated numbers, got "${raw}"`);
  return numbers;
}

/** Splits `name=value`; a value without `name=` belongs to the only candidate. */
export function splitNamed(raw: string, names: readonly string[]): { name?: string; value: string } {
  const eq = raw.indexOf('=');
  if (eq > 0 && names.includes(raw.slice(0, eq))) return { name: raw.slice(0, eq), value: raw.slice(eq + 1) };
  return { value: raw };
}

/** The help lines of an option list, aligned. */
export function formatOptions(options: readonly OptionSpec[]): string {
  const heads = options.map((o) => `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.value ? ` ${o.value}` : ''}`);
  const width = Math.max(...heads.map((h) => h.length));
  return options.map((o, i) => `  ${heads[i]!.padEnd(width)}  ${o.help}`).join('\n');
}
