/**
 * Sections of a version page: its parameters (set ones first), the score contract and the newest
 * result of each scoring test (as `mmds contract` and `mmds show` print them).
 */
import { formatValue } from './diff';
import { grid, h, keyValueTable } from './dom';
import { age } from './query';
import { IContract, IReviewState, IScoringTestResult } from './types';

/**
 * The newest result of each scoring test, from results sent newest first.
 */
export function latestPerTest(
  results: IScoringTestResult[]
): IScoringTestResult[] {
  const seen = new Set<string>();
  return results.filter(r => !seen.has(r.test) && !!seen.add(r.test));
}

/**
 * The score contract: one row per input (type, whether required and nullable, its allowed
 * range or categories), then the outputs and the policy; null: the user's role may not see it.
 */
export function contractSection(contract: IContract | null): HTMLElement {
  if (!contract) {
    return h(
      'p',
      { class: 'mmds-contract-hidden' },
      'Your role in this project does not let you see the score contract (a consumer, modeller or owner may).'
    );
  }
  const allowed = (i: IContract['inputs'][number]): string => {
    if (i.categories && i.categories.length) {
      return i.categories.map(c => String(c)).join(', ');
    }
    if (i.min !== null || i.max !== null) {
      return `${formatValue(i.min)} … ${formatValue(i.max)}`;
    }
    return '—';
  };
  return h(
    'div',
    { class: 'mmds-contract' },
    grid(
      ['input', 'type', 'required', 'nullable', 'allowed values'],
      contract.inputs.map(i => [
        i.name,
        i.type,
        i.required ? 'yes' : 'no (unused by the model)',
        i.nullable ? 'yes' : 'no',
        allowed(i)
      ]),
      'mmds-grid mmds-contract-inputs'
    ),
    keyValueTable([
      [
        'outputs',
        contract.outputs
          .map(o => (o.type ? `${o.name} (${o.type})` : o.name))
          .join(', ') || '—'
      ],
      ['out-of-domain policy', contract.policy],
      ['extra columns', contract.strict ? 'refused' : 'ignored'],
      ['edits carried from', contract.inherited_from ?? '—']
    ])
  );
}

/**
 * The newest result of each scoring test of the version.
 */
export function scoringTestsSection(
  results: IScoringTestResult[]
): HTMLElement {
  const latest = latestPerTest(results);
  if (!latest.length) {
    return h('p', {}, 'No scoring test has run on this version yet.');
  }
  return grid(
    ['test', 'result', 'rows differing', 'max difference', 'ran', 'by'],
    latest.map(r => [
      r.test,
      h(
        'span',
        {
          class: `mmds-badge mmds-test-${r.passed ? 'passed' : 'failed'}`
        },
        r.passed ? 'passed' : 'failed'
      ),
      `${r.n_mismatched.toLocaleString('en-US')} of ${r.n_rows.toLocaleString('en-US')}`,
      formatValue(r.max_abs_diff),
      `${new Date(r.ran_at).toLocaleString()} (${age(r.ran_at)})`,
      r.actor
    ]),
    'mmds-grid mmds-scoring-tests'
  );
}

/**
 * A version's parameters as [set by someone, at their class default], each sorted by name: the
 * few a modeller chose come first, the fifty a library defaults are folded below them.
 */
export function splitParams(
  params: { [key: string]: unknown },
  defaults: string[] | undefined
): [[string, unknown][], [string, unknown][]] {
  const folded = new Set(defaults ?? []);
  const entries = Object.entries(params).sort(([a], [b]) => a.localeCompare(b));
  return [
    entries.filter(([k]) => !folded.has(k)),
    entries.filter(([k]) => folded.has(k))
  ];
}

/** The parameters section: those set first, then the defaults in a closed fold. */
export function paramsSection(
  params: { [key: string]: unknown },
  defaults: string[] | undefined
): HTMLElement {
  const [set, atDefault] = splitParams(params, defaults);
  const table = (rows: [string, unknown][], cls: string): HTMLElement =>
    grid(
      ['parameter', 'value'],
      rows.map(([k, val]) => [k, formatValue(val)]),
      `mmds-grid ${cls}`
    );
  return h(
    'div',
    { class: 'mmds-params' },
    set.length
      ? table(set, 'mmds-params-set')
      : h('p', {}, 'Every parameter holds its default.'),
    atDefault.length
      ? h(
          'details',
          { class: 'mmds-params-defaults' },
          h(
            'summary',
            {},
            `${atDefault.length} parameter${atDefault.length === 1 ? '' : 's'} at their defaults`
          ),
          table(atDefault, 'mmds-params-default')
        )
      : null
  );
}

/**
 * A version's review under its template, as `mmds show` words it: when it was last approved
 * into (or reviewed in) its stage, when a review is due and when it expires.
 */
export function reviewText(review: IReviewState): string {
  const day = (iso: string): string => iso.slice(0, 10);
  const parts = [`${review.stage} review: last ${day(review.since)}`];
  if (review.review_due) {
    parts.push(
      `due ${day(review.review_due)}${review.overdue ? ' (OVERDUE)' : ''}`
    );
  }
  if (review.expires) {
    parts.push(
      `${review.expired ? 'EXPIRED' : 'expires'} ${day(review.expires)}`
    );
  }
  return parts.join(', ');
}

/** The review as a summary cell, marked when overdue or expired. */
export function reviewCell(review: IReviewState): HTMLElement {
  const state = review.expired ? 'expired' : review.overdue ? 'overdue' : 'ok';
  return h(
    'span',
    { class: `mmds-review mmds-review-${state}` },
    reviewText(review)
  );
}
