/**
 * A failed model load in words a user can act on. A WeightError carries
 * every missing, unexpected and misshapen tensor name: the page says what
 * the pattern means in one sentence and keeps the names for a collapsed
 * "What did not match".
 */
import { messageOf } from './dom.js';
import { WeightError } from './lib.js';

export interface LoadFailure {
  /** One or two sentences for the status line. */
  summary: string;
  /** The names behind it, when there are any. */
  details?: string;
}

/** How many names of each list the details show. */
const DETAIL_NAMES = 12;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function listed(title: string, names: readonly string[]): string {
  if (!names.length) return '';
  const shown = names.slice(0, DETAIL_NAMES).join(', ');
  return `${title} (${names.length}): ${shown}${names.length > DETAIL_NAMES ? ` … and ${names.length - DETAIL_NAMES} more` : ''}`;
}

/** The status line (and details) for an error from loading weights for `architecture`. */
export function describeLoadFailure(error: unknown, architecture: string | undefined): LoadFailure {
  if (!(error instanceof WeightError)) {
    const offline = /fetch|network|download/i.test(messageOf(error));
    const hint = offline ? ' You may be offline, or the server refuses cross-origin downloads: get the file on a connected machine (see “Where do pretrained weights come from?”) and drop it here.' : '';
    return { summary: `Could not load the model. ${messageOf(error)}${hint}` };
  }
  const arch = architecture ?? 'this architecture';
  const { missing, unexpected, misshapen, parameterCount } = error;
  const details = [
    listed('missing from the file', missing),
    listed('in the file but not in the model', unexpected),
    listed('of the wrong shape', misshapen.map((m) => `${m.name} [${m.expected.join('×')}] ≠ [${(m.actualShape ?? [m.actual]).join('×')}]`)),
  ]
    .filter(Boolean)
    .join('\n');
  const total = parameterCount ?? missing.length + misshapen.length;
  const counts = [missing.length && `${missing.length} missing`, unexpected.length && `${unexpected.length} unexpected`, misshapen.length && `${misshapen.length} of the wrong shape`].filter(Boolean).join(', ');
  // the WeightError's own diagnosis of a key prefix (same model, other names) comes first: the file is right, its keys are not
  const prefix = /the file's names (carry|lack)[^;]*/.exec(error.message)?.[0];
  if (prefix) return { summary: `These weights fit ${arch} under other names (${counts} of ${plural(total, 'parameter')}): ${prefix}.`, details };
  if (missing.length * 2 > total) {
    return {
      summary:
        `These weights are not for ${arch}: only ${total - missing.length} of its ${plural(total, 'parameter')} are in the file` +
        `${unexpected.length ? `, and ${plural(unexpected.length, 'tensor')} in it ${unexpected.length === 1 ? 'is' : 'are'} not ${arch}'s` : ''}. ` +
        'Pick the architecture the file was made for above (demo/export_torchvision.py names the file after it), or load the model as .onnx.',
      details,
    };
  }
  return { summary: `These weights almost fit ${arch} (${counts} of ${plural(total, 'parameter')}).`, details };
}
