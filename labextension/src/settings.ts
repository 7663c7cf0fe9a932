/**
 * The panel's user settings (schema/plugin.json), read into one typed object (tested alone).
 */

export interface IPanelSettings {
  /** Seconds between two looks for changes while the panel is visible. */
  refreshInterval: number;
  /** Versions per page of the search results. */
  pageSize: number;
  /** The project the panel opens on; empty for all projects. */
  defaultProject: string;
  /** The metric shown beside each version; empty for the server's choice. */
  headlineMetric: string;
}

export const DEFAULT_SETTINGS: IPanelSettings = {
  refreshInterval: 3,
  pageSize: 25,
  defaultProject: '',
  headlineMetric: ''
};

// The bounds of schema/plugin.json, applied again to values typed into the JSON editor.
const BOUNDS: { [K in 'refreshInterval' | 'pageSize']: [number, number] } = {
  refreshInterval: [1, 3600],
  pageSize: [5, 200]
};

function bounded(value: unknown, name: 'refreshInterval' | 'pageSize'): number {
  const [low, high] = BOUNDS[name];
  const n = typeof value === 'number' && isFinite(value) ? value : NaN;
  return isNaN(n) ? DEFAULT_SETTINGS[name] : Math.min(high, Math.max(low, n));
}

/**
 * The settings from the registry's composite values; anything missing or out of range
 * falls back to (or is held within) the schema's default and bounds.
 */
export function readSettings(composite: {
  [key: string]: unknown;
}): IPanelSettings {
  const text = (value: unknown): string =>
    typeof value === 'string' ? value.trim() : '';
  return {
    refreshInterval: bounded(composite['refreshInterval'], 'refreshInterval'),
    pageSize: Math.round(bounded(composite['pageSize'], 'pageSize')),
    defaultProject: text(composite['defaultProject']),
    headlineMetric: text(composite['headlineMetric'])
  };
}
