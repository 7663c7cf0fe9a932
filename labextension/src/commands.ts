/**
 * Every command id of the extension.
 */
export namespace CommandIDs {
  export const openPanel = 'mmds:open-panel';
  export const openVersion = 'mmds:open-version';
  export const openDataset = 'mmds:open-dataset';
  export const askDataset = 'mmds:ask-dataset';
  export const compare = 'mmds:compare';
  export const compareSelected = 'mmds:compare-selected';
  export const refresh = 'mmds:refresh';
  export const newJob = 'mmds:new-job';
  export const openRunNotebook = 'mmds:open-run-notebook';
}
